"""`glossary-bot serve --http` as its own process, pointed at the Slack API stand-in, for tests that
need the real process: signals, start-up failures, other processes touching its files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.conftest import INTENTS, PAGES
from tests.helpers import free_port
from tests.slack_harness import BOT_TOKEN, SECRET
from tests.slack_standin import SlackStandIn


class Served:
    def __init__(self, standin: SlackStandIn, tmp: Path, *, content: Path = PAGES, state_db: Path | None = None,
                 env: dict[str, str] | None = None, wait: bool = True):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp / f"serve-{self.port}.log"
        self.state_db = state_db or tmp / "state.sqlite3"
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--http", "--port", str(self.port), "--content", str(content),
             "--intents", str(INTENTS)],
            stdout=self._log, stderr=subprocess.STDOUT, text=True, cwd=tmp,
            env={**os.environ, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET,
                 "SLACK_API_URL": standin.url, "GLOSSARY_STATE_DB": str(self.state_db), "LOG_LEVEL": "INFO",
                 "GLOSSARY_RELOAD_SECONDS": "0.2", **(env or {})})
        if wait:
            self.wait_ready()

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"serve exited with {self.process.returncode}:\n{self.log()}")
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=1).read()
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"serve did not come up:\n{self.log()}")

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text()

    def stop(self, timeout: float = 40) -> float:
        """SIGTERM; seconds until the process exited."""
        started = time.monotonic()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout)
        self._log.close()
        return time.monotonic() - started
