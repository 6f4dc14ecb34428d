"""Running the Slack app: Socket Mode, or HTTP on aiohttp (one or several worker processes)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import logging
import multiprocessing
import os
import re
import signal
import sys
import time
from collections.abc import AsyncIterator
from multiprocessing import connection as mp_connection
from pathlib import Path
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot.live import Library
from bot.settings import Settings, SettingsError, cache_dir, load_settings
from bot.slack.app import SlackRuntime, build_runtime
from bot.slack.digests import run_digests
from bot.slack.gate import Gate, LogLimiter, Refused
from bot.store import StoreError, check_store
from bot.web.routes import add_glossary_routes, start_pages

logger = logging.getLogger("glossary_bot.server")

GATE = web.AppKey("gate", Gate)
# Slack never compresses: the server leaves bodies as sent and the gate refuses any Content-Encoding.
# After a refusal the rest of a body is drained for at most half a second (aiohttp's default, 10 s,
# let every junk sender hold a connection, and shutdown, that long).
SERVER_OPTIONS: dict[str, Any] = {"auto_decompress": False, "lingering_time": 0.5}
SHUTDOWN_GRACE_SECONDS = 25.0  # container runtimes send SIGKILL 30 s after SIGTERM by default
TOKEN_RE = re.compile(r"\b(xox[abposr]-|xapp-|xwfp-)[A-Za-z0-9-]+")  # xwfp-: a workflow step's token


class RedactSecrets(logging.Filter):
    """Tokens and the signing secret never reach a log line, whatever a library prints."""

    def __init__(self, secrets: tuple[str, ...]):
        super().__init__()
        self.secrets = tuple(s for s in secrets if len(s) >= 8)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = TOKEN_RE.sub(r"\1[redacted]", message)
        for secret in self.secrets:
            clean = clean.replace(secret, "[redacted]")
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = TOKEN_RE.sub(r"\1[redacted]", logging.Formatter().formatException(record.exc_info))
            for secret in self.secrets:
                record.exc_text = record.exc_text.replace(secret, "[redacted]")
            record.exc_info = None
        return True


def configure_logging(settings: Settings) -> None:
    """Log to stderr at $LOG_LEVEL (default INFO), every line passing through the secret filter."""
    logging.basicConfig(level=settings.log_level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    redact = RedactSecrets(settings.secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)


async def follow_content(runtime: SlackRuntime) -> None:
    """Poll for content edits; loading runs in a thread so requests keep flowing meanwhile."""
    while True:
        await asyncio.sleep(runtime.settings.reload_seconds)
        try:
            await asyncio.to_thread(runtime.library.refresh)
        except Exception:  # the watcher must outlive any surprise; the traceback goes to the log
            logger.exception("content watcher failed; will try again")


def create_web_app(runtime: SlackRuntime) -> web.Application:
    """Slack's requests at POST /slack/events, a health check at GET /healthz."""

    gate = Gate(runtime.settings.signing_secret or "", runtime.settings.max_body_bytes)
    failures = LogLimiter()

    async def slack_events(request: web.Request) -> web.Response:
        # Bolt, its middleware and our error handler only ever see requests that passed the gate.
        try:
            await gate.admit(request)
        except Refused as refused:
            return gate.refuse(request, refused)
        try:
            bolt_response = await runtime.app.async_dispatch(await to_bolt_request(request))
        except Exception as exc:  # a signed body Bolt could not take apart: one line, no body, no traceback
            failures.log(logging.WARNING, "request not handled: %s: %.200s", type(exc).__name__, exc)
            return web.json_response({"ok": False, "error": "malformed request"}, status=400)
        return await to_aiohttp_response(bolt_response)

    async def healthz(_: web.Request) -> web.Response:
        store = await runtime.events.health()  # on the store's thread, within its budget
        return web.json_response({"ok": store == "ok", "terms": len(runtime.library.engine.glossary.terms),
                                  "store": store}, status=200 if store == "ok" else 503)

    async def lifecycle(_: web.Application) -> AsyncIterator[None]:
        await runtime.events.start()  # PostgreSQL connects here, on this worker's event loop
        await runtime.delivery.open()
        await runtime.identity.load()  # fails start-up on a bad token, before any request is taken
        watcher = asyncio.create_task(follow_content(runtime)) if runtime.settings.reload_seconds else None
        digests = asyncio.create_task(run_digests(runtime)) if runtime.settings.loop.digest_channel else None
        yield
        for task in (watcher, digests):
            if task:
                task.cancel()
        await runtime.delivery.close()
        await runtime.events.aclose()

    async def finish_replies(_: web.Application) -> None:
        # The listening socket is closed by now; bodies still trickling in are cut off, and replies
        # already acked get to finish.
        gate.closing.set()
        if not await runtime.inflight.wait_idle(SHUTDOWN_GRACE_SECONDS):
            logger.error("shutting down with %d replies still in flight", runtime.inflight.count)

    app = web.Application(client_max_size=runtime.settings.max_body_bytes)
    app[GATE] = gate
    app.router.add_post("/slack/events", slack_events)
    app.router.add_get("/healthz", healthz)
    add_glossary_routes(app, lambda: runtime.library.engine.glossary)
    app.cleanup_ctx.append(lifecycle)
    app.on_shutdown.append(finish_replies)
    return app


def _run_http_worker(settings: Settings, content: str, intents: str, reuse_port: bool,
                     listening: Any = None) -> None:
    configure_logging(settings)
    try:
        runtime = build_runtime(settings, Library(Path(content), Path(intents), settings.base_url, settings.cache_dir))
    except StoreError as exc:
        print(f"glossary-bot serve: {exc}", file=sys.stderr)
        sys.exit(2)

    def started(_: str) -> None:  # aiohttp calls this once the port is open
        logger.info("serving Slack at http://0.0.0.0:%d/slack/events (HTTP mode, pid %d); %d terms", settings.port,
                    os.getpid(), len(runtime.library.engine.glossary.terms))
        if listening is not None:
            listening.set()

    web.run_app(create_web_app(runtime), host="0.0.0.0", port=settings.port, reuse_port=reuse_port,
                shutdown_timeout=SHUTDOWN_GRACE_SECONDS, print=started, access_log=None, **SERVER_OPTIONS)


def serve_http(settings: Settings, content: str, intents: str) -> int:
    if settings.workers <= 1:
        _run_http_worker(settings, content, intents, reuse_port=False)
        return 0
    # Several processes share the port (SO_REUSEPORT) and the state store, using every core.
    return WorkerPool(settings, content, intents).run()


def _pool_worker(settings: Settings, content: str, intents: str, listening: Any) -> None:
    try:
        _run_http_worker(settings, content, intents, reuse_port=True, listening=listening)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        logger.error("port %d is already in use by another program; stop it or choose another port with --port",
                     settings.port)
        sys.exit(2)


class WorkerPool:
    """HTTP worker processes. One that dies after it was serving is restarted after 1, 2, 4 … 30 s (the
    delay resets once it has stayed up a minute); one that dies before its first start was complete (a
    bad token, a busy port) stops the pool, since starting it again would fail the same way."""

    DELAYS = (1.0, 2.0, 4.0, 8.0, 16.0, 30.0)
    STABLE_SECONDS = 60.0  # up this long, a worker's next failure starts the back-off again

    def __init__(self, settings: Settings, content: str, intents: str):
        self.settings, self.content, self.intents = settings, content, intents
        self.ctx = multiprocessing.get_context("spawn")
        self.stopping = False
        self.workers: list[Any] = []
        self.started: list[float] = []
        self.failures = [0] * settings.workers
        self.restart_at: list[float | None] = [None] * settings.workers
        self.listening = [self.ctx.Event() for _ in range(settings.workers)]  # set once a worker has served
        self.signalled: set[int] = set()  # each worker is asked to stop once

    def _start(self, i: int) -> Any:
        worker = self.ctx.Process(target=_pool_worker, args=(self.settings, self.content, self.intents,
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


async def serve_socket_mode(settings: Settings, content: str, intents: str) -> None:
    runtime = build_runtime(settings, Library(Path(content), Path(intents), settings.base_url, settings.cache_dir))
    handler = socket_mode_handler(runtime)
    await runtime.events.start()
    await runtime.delivery.open()
    watcher = asyncio.create_task(follow_content(runtime))
    digests = asyncio.create_task(run_digests(runtime)) if runtime.settings.loop.digest_channel else None
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await runtime.identity.load()
    pages = await start_pages(lambda: runtime.library.engine.glossary, settings.web_port, "0.0.0.0") \
        if settings.web_port else None
    await handler.connect_async()
    logger.info("connected to Slack in Socket Mode; %d terms", len(runtime.library.engine.glossary.terms))
    await stop.wait()
    await handler.disconnect_async()  # stop taking events, then let acked replies finish
    await runtime.inflight.wait_idle(SHUTDOWN_GRACE_SECONDS)
    watcher.cancel()
    if pages:
        await pages.cleanup()
    if digests:
        digests.cancel()
    with contextlib.suppress(Exception):
        await handler.close_async()
    await runtime.delivery.close()
    await runtime.events.aclose()


def socket_mode_handler(runtime: SlackRuntime) -> AsyncSocketModeHandler:
    assert runtime.settings.app_token
    return AsyncSocketModeHandler(runtime.app, runtime.settings.app_token, web_client=runtime.delivery.client)


def serve(args: argparse.Namespace, content_dir: Path, intents_dir: Path) -> int:
    """`glossary-bot serve`: the CLI resolves the folders; settings are read and checked here, once."""
    try:
        settings = load_settings(http=args.http, port=args.port, workers=args.workers, cache_dir=cache_dir(),
                                 web_port=args.web_port)
    except SettingsError as exc:
        print(f"glossary-bot serve: {exc}", file=sys.stderr)
        return 2
    content, intents = str(content_dir), str(intents_dir)
    try:
        check_store(settings.state_url)  # a damaged, foreign or unreachable store stops start-up, before any request
    except StoreError as exc:
        print(f"glossary-bot serve: {exc}", file=sys.stderr)
        return 2
    if settings.mode == "http":
        return serve_http(settings, content, intents)  # each worker process sets up its own logging
    configure_logging(settings)
    asyncio.run(serve_socket_mode(settings, content, intents))
    return 0
