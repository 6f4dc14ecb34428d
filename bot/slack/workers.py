"""HTTP worker processes sharing one port (SO_REUSEPORT) and the state store: started, restarted with
a back-off when one dies after serving, and stopped together on SIGTERM or SIGINT."""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from multiprocessing import connection as mp_connection
from typing import Any

from bot.settings import Settings
from bot.slack.logs import configure_logging

logger = logging.getLogger("glossary_bot.server")

# A worker process's entry point: (settings, content folder, intents folder, an Event set once it serves).
# Spawned processes pickle it, so it is a module-level function.
Worker = Callable[[Settings, str, str, Any], None]


class WorkerPool:
    """HTTP worker processes. One that dies after it was serving is restarted after 1, 2, 4 … 30 s (the
    delay resets once it has stayed up a minute); one that dies before its first start was complete (a
    bad token, a busy port) stops the pool, since starting it again would fail the same way."""

    DELAYS = (1.0, 2.0, 4.0, 8.0, 16.0, 30.0)
    STABLE_SECONDS = 60.0  # up this long, a worker's next failure starts the back-off again

    def __init__(self, settings: Settings, content: str, intents: str, target: Worker):
        self.settings, self.content, self.intents, self.target = settings, content, intents, target
        self.ctx = multiprocessing.get_context("spawn")
        self.stopping = False
        self.workers: list[Any] = []
        self.started: list[float] = []
        self.failures = [0] * settings.workers
        self.restart_at: list[float | None] = [None] * settings.workers
        self.listening = [self.ctx.Event() for _ in range(settings.workers)]  # set once a worker has served
        self.signalled: set[int] = set()  # each worker is asked to stop once

    def _start(self, i: int) -> Any:
        worker = self.ctx.Process(target=self.target, args=(self.settings, self.content, self.intents,
                                                             self.listening[i]), daemon=False)
        worker.start()
        return worker

    def _signal_all(self, signum: int) -> None:
        for worker in self.workers:
            if worker.pid and worker.exitcode is None and worker.pid not in self.signalled:
                self.signalled.add(worker.pid)
                os.kill(worker.pid, signum)

    def _forward(self, signum: int, _frame: object) -> None:
        self.stopping = True
        self._signal_all(signum)

    def run(self) -> int:
        configure_logging(self.settings)
        self.workers = [self._start(i) for i in range(self.settings.workers)]
        self.started = [time.monotonic()] * self.settings.workers
        signal.signal(signal.SIGTERM, self._forward)
        signal.signal(signal.SIGINT, self._forward)
        code = 0
        while not self.stopping:
            live = [w.sentinel for w in self.workers if w.exitcode is None]
            if live:
                mp_connection.wait(live, timeout=0.5)
            else:
                time.sleep(0.5)
            if not self.stopping:
                code = self._tend(time.monotonic())
        self._signal_all(signal.SIGTERM)  # a worker started as the stop signal arrived
        for worker in self.workers:
            worker.join()
        return code or max((w.exitcode or 0) for w in self.workers)

    def _tend(self, now: float) -> int:
        """Schedule or perform restarts; returns non-zero once the pool must stop."""
        for i, worker in enumerate(self.workers):
            if worker.exitcode is None:
                if now - self.started[i] >= self.STABLE_SECONDS:
                    self.failures[i] = 0
                continue
            if self.restart_at[i] is not None:
                if now >= (self.restart_at[i] or 0):
                    self.workers[i], self.started[i], self.restart_at[i] = self._start(i), now, None
                continue
            if not self.listening[i].is_set():
                logger.error("worker pid %s failed to start (exit code %s); stopping", worker.pid, worker.exitcode)
                self.stopping = True
                self._signal_all(signal.SIGTERM)
                return worker.exitcode if worker.exitcode and worker.exitcode > 0 else 1
            delay = self.DELAYS[min(self.failures[i], len(self.DELAYS) - 1)]
            self.failures[i] += 1
            self.restart_at[i] = now + delay
            logger.error("worker pid %s exited (exit code %s); starting another in %g s", worker.pid,
                         worker.exitcode, delay)
        return 0
