"""Benchmarks, apart from the tests: python -m tests.bench [quality|corpus|engine|startup|http ...] (default: all).

Every figure is printed next to a baseline measured in the same run; nothing here passes or fails on
a timer. Machines are shared and noisy: compare within one run, not across runs."""

from __future__ import annotations

import platform
import sys
from collections.abc import Callable
from pathlib import Path

from tests.bench import corpus, engine, http, quality, startup

FRESH_SETS = ("fresh", "cncf", "legal", "fineng")
SETS = [str(p) for p in (Path("../shared/corpus"), *(Path("tests/fixtures") / s for s in FRESH_SETS))
        if (p / "questions.yaml").exists()]
SUITES: dict[str, Callable[[], object]] = {
    "quality": quality.main, "corpus": lambda: corpus.main(SETS), "engine": engine.main, "startup": startup.main,
    "http": http.main}


def main(argv: list[str]) -> int:
    chosen = argv or list(SUITES)
    unknown = [name for name in chosen if name not in SUITES]
    if unknown:
        print(f"unknown benchmark {unknown[0]!r}; choose from {', '.join(SUITES)}", file=sys.stderr)
        return 2
    import os

    print(f"# {platform.python_implementation()} {platform.python_version()} on {platform.machine()}, "
          f"{os.cpu_count()} cores")
    for name in chosen:
        print(f"\n## {name}")
        SUITES[name]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
