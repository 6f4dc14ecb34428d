"""Signed /glossary commands per second: glossary-bot next to a bare Bolt app, alternated in one run.

    python -m tests.bench http

Both serve Bolt's AsyncApp on aiohttp, one process each; the load generator is a third process.
Rounds alternate (bot, bare, bot, bare, …) so machine noise hits both; the medians are compared.
A last round runs glossary-bot with --workers 2 (both cores, sharing them with the load generator).
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.slack_harness import BOT_TOKEN, SECRET
from tests.slack_standin import SlackStandIn

ROUNDS = 3
REQUESTS = 3_000
CONCURRENCY = 16


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(port: int, proc: subprocess.Popen) -> None:
    for _ in range(300):
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.communicate()[0]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def _load(port: int, requests: int) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-m", "tests.bench.load", f"http://127.0.0.1:{port}/slack/events",
                          str(requests), str(CONCURRENCY)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main(rounds: int = ROUNDS, requests: int = REQUESTS) -> dict[str, dict[str, float]]:
    env = {**os.environ, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET, "LOG_LEVEL": "WARNING"}
    with SlackStandIn() as standin, tempfile.TemporaryDirectory() as tmp:
        env |= {"SLACK_API_URL": standin.url, "GLOSSARY_STATE_DB": str(Path(tmp) / "s.db"),
                "GLOSSARY_CACHE_DIR": "off"}
        servers = {}
        for name, argv in (("glossary-bot", ["-m", "bot", "serve", "--http"]),
                           ("bare Bolt", ["-m", "tests.bench.bare_app"]),
                           ("glossary-bot, 2 workers", ["-m", "bot", "serve", "--http", "--workers", "2"])):
            port = _port()
            args = [*argv, "--port", str(port)] if "bot" in argv else [*argv, str(port)]
            proc = subprocess.Popen([sys.executable, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    text=True, cwd=tmp)
            _wait(port, proc)
            servers[name] = (port, proc)
        try:
            for port, _ in servers.values():
                _load(port, 300)  # warm-up: connections, first-use work
            runs: dict[str, list[dict[str, float]]] = {name: [] for name in servers}
            for _ in range(rounds):
                for name in ("glossary-bot", "bare Bolt"):
                    runs[name].append(_load(servers[name][0], requests))
            runs["glossary-bot, 2 workers"].append(_load(servers["glossary-bot, 2 workers"][0], requests))
        finally:
            for _, proc in servers.values():
                proc.terminate()
                proc.communicate(timeout=30)
    summary = {name: {key: statistics.median(r[key] for r in rs) for key in ("rps", "p50_ms", "p99_ms", "errors")}
               for name, rs in runs.items()}
    base = summary["bare Bolt"]["rps"]
    print(f"{'server':26} {'commands/s':>11} {'vs bare Bolt':>13} {'ack p50 ms':>11} {'ack p99 ms':>11} {'errors':>7}")
    for name, row in summary.items():
        print(f"{name:26} {row['rps']:>11.0f} {row['rps'] / base:>12.2f}x {row['p50_ms']:>11.1f} "
              f"{row['p99_ms']:>11.1f} {row['errors']:>7.0f}")
    print(f"({rounds} alternating rounds of {requests} signed commands, {CONCURRENCY} connections; medians)")
    return summary


if __name__ == "__main__":
    main()
