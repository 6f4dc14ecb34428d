"""Start-up at 10,000 terms: load and answer the first question, time and peak memory, per format.

    python -m tests.bench startup
    python -m tests.bench.startup 100000     # source pages only

Each figure comes from a fresh process. Baseline, measured now: a process that imports the same
libraries and reads every file's bytes without parsing them (the floor any loader pays).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bot.importer import import_pages
from tests.bench.synth import write_glossary

PROBE = """
import json, sys, time
started = time.perf_counter()
from pathlib import Path
from bot.answer import Engine
from bot.loader import content_files
mode, content, cache = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
if mode == "baseline":
    import rapidfuzz, yaml
    files = [p.read_bytes() for p in content_files(content)]
else:
    engine = Engine.load(content, Path("intents"), cache_dir=Path(cache) if cache != "off" else None)
    engine.ask("why does lead equity metric matter")
seconds = time.perf_counter() - started
# VmHWM is this program's own peak; ru_maxrss would carry over the parent's from before exec.
peak_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(json.dumps({"seconds": seconds, "peak_mb": peak_kb / 1024}))
"""


def probe(mode: str, content: Path, cache: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", PROBE, mode, str(content), cache], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[2])
    return json.loads(out.stdout)


def main(size: int = 10_000, yaml_too: bool = True) -> dict[str, dict[str, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        pages, yamls, cache = Path(tmp) / "pages", Path(tmp) / "yaml", Path(tmp) / "cache"
        write_glossary(pages, size)
        folders = [("source pages (.txt)", pages)]
        if yaml_too:
            import_pages(sorted(pages.glob("*.txt")), yamls)
            folders.append(("YAML files", yamls))
        results = {"baseline: imports + read every file": probe("baseline", pages, "off")}
        for label, folder in folders:
            results[f"{label}, cold"] = probe("engine", folder, "off")
            probe("engine", folder, str(cache))  # fills the term cache
            results[f"{label}, warm cache"] = probe("engine", folder, str(cache))
            shutil.rmtree(cache)
    base = results["baseline: imports + read every file"]["seconds"]
    print(f"{size:,} terms: load + first answer, fresh process each")
    print(f"{'':42} {'seconds':>8} {'vs baseline':>12} {'peak MB':>8}")
    for label, row in results.items():
        print(f"{label:42} {row['seconds']:>8.2f} {row['seconds'] / base:>11.1f}x {row['peak_mb']:>8.0f}")
    return results


if __name__ == "__main__":  # python -m tests.bench.startup [SIZE]: pages only past 10,000 terms
    chosen = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    main(chosen, yaml_too=chosen <= 10_000)
