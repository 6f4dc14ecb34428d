"""Running the Slack app: Socket Mode, or HTTP on aiohttp (one process, or a pool: `bot.slack.workers`)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot.live import Library
from bot.settings import Settings, SettingsError, cache_dir, load_settings
from bot.slack.app import build_runtime
from bot.slack.digests import run_digests
from bot.slack.gate import Gate, LogLimiter, Refused
from bot.slack.logs import configure_logging
from bot.slack.runtime import SlackRuntime, StartupError
from bot.slack.workers import WorkerPool
from bot.store import StoreError, check_store
from bot.web.routes import add_glossary_routes, start_pages

logger = logging.getLogger("glossary_bot.server")

GATE = web.AppKey("gate", Gate)
# Slack never compresses: the server leaves bodies as sent and the gate refuses any Content-Encoding.
# After a refusal the rest of a body is drained for at most half a second (aiohttp's default, 10 s,
# let every junk sender hold a connection, and shutdown, that long).
SERVER_OPTIONS: dict[str, Any] = {"auto_decompress": False, "lingering_time": 0.5}
SHUTDOWN_GRACE_SECONDS = 25.0  # container runtimes send SIGKILL 30 s after SIGTERM by default
HEALTH_EVERY_SECONDS = 5.0  # the store is checked at most this often for /healthz
SHUTDOWN_STEP_SECONDS = 3.0  # closing the Socket Mode connection, which may be mid-reconnect


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

    checked: list[tuple[float, str]] = []  # the last store check: /healthz is open to anyone, so it is
    # answered from a recent check rather than making the store run one per request.

    async def healthz(_: web.Request) -> web.Response:
        now = asyncio.get_running_loop().time()
        if not checked or now - checked[0][0] >= HEALTH_EVERY_SECONDS:
            checked[:] = [(now, await runtime.events.health())]  # on the store's thread, within its budget
        store = checked[0][1]
        return web.json_response({"ok": store == "ok", "terms": len(runtime.library.engine.glossary),
                                  "store": store}, status=200 if store == "ok" else 503)

    async def lifecycle(_: web.Application) -> AsyncIterator[None]:
        await runtime.events.start()  # PostgreSQL connects here, on this worker's event loop
        await runtime.delivery.open()
        try:
            await runtime.identity.load()  # fails start-up on a bad token, before any request is taken
        except StartupError:
            await runtime.delivery.close()
            await runtime.events.aclose()
            raise
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
        if listening is not None:  # first: a worker that dies after saying it serves is restarted, not fatal
            listening.set()
        logger.info("serving Slack at http://0.0.0.0:%d/slack/events (HTTP mode, pid %d); %d terms", settings.port,
                    os.getpid(), len(runtime.library.engine.glossary))

    try:
        web.run_app(create_web_app(runtime), host="0.0.0.0", port=settings.port, reuse_port=reuse_port,
                    shutdown_timeout=SHUTDOWN_GRACE_SECONDS, print=started, access_log=None, **SERVER_OPTIONS)
    except StartupError as exc:
        print(f"glossary-bot serve: {exc}", file=sys.stderr)
        sys.exit(2)


def serve_http(settings: Settings, content: str, intents: str) -> int:
    if settings.workers <= 1:
        _run_http_worker(settings, content, intents, reuse_port=False)
        return 0
    # Several processes share the port (SO_REUSEPORT) and the state store, using every core.
    return WorkerPool(settings, content, intents, target=_pool_worker).run()


def _pool_worker(settings: Settings, content: str, intents: str, listening: Any) -> None:
    try:
        _run_http_worker(settings, content, intents, reuse_port=True, listening=listening)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        logger.error("port %d is already in use by another program; stop it or choose another port with --port",
                     settings.port)
        sys.exit(2)


async def serve_socket_mode(settings: Settings, content: str, intents: str) -> None:
    """Socket Mode until SIGTERM or Ctrl-C, which are heard in every state: while checking the token,
    while connecting (Slack unreachable retries for ever), while serving, and while shutting down."""
    runtime = build_runtime(settings, Library(Path(content), Path(intents), settings.base_url, settings.cache_dir))
    handler = socket_mode_handler(runtime)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await runtime.events.start()
    await runtime.delivery.open()
    watcher = digests = pages = None
    try:
        if not await _unless_stopped(runtime.identity.load(), stop):
            return
        watcher = asyncio.create_task(follow_content(runtime))
        digests = asyncio.create_task(run_digests(runtime)) if runtime.settings.loop.digest_channel else None
        pages = await start_pages(lambda: runtime.library.engine.glossary, settings.web_port, "0.0.0.0") \
            if settings.web_port else None
        if not await _unless_stopped(handler.connect_async(), stop):
            return
        logger.info("connected to Slack in Socket Mode; %d terms", len(runtime.library.engine.glossary))
        await stop.wait()
        with contextlib.suppress(Exception):  # stop taking events, then let acked replies finish
            await asyncio.wait_for(handler.disconnect_async(), SHUTDOWN_STEP_SECONDS)
        await runtime.inflight.wait_idle(SHUTDOWN_GRACE_SECONDS)
    finally:
        for task in (watcher, digests):
            if task:
                task.cancel()
        if pages:
            await pages.cleanup()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(handler.close_async(), SHUTDOWN_STEP_SECONDS)
        await runtime.delivery.close()
        await runtime.events.aclose()


async def _unless_stopped(step: Any, stop: asyncio.Event) -> bool:
    """Run one start-up step; False (and the step cancelled) when a signal came first."""
    work, stopped = asyncio.ensure_future(step), asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait({work, stopped}, return_when=asyncio.FIRST_COMPLETED)
    if work in done:
        stopped.cancel()
        work.result()  # a failure (a rejected token) surfaces here
        return True
    work.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await work
    return False


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
    try:
        asyncio.run(serve_socket_mode(settings, content, intents))
    except StartupError as exc:
        print(f"glossary-bot serve: {exc}", file=sys.stderr)
        return 2
    return 0
