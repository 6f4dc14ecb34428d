"""Running the Slack app: Socket Mode, or HTTP on aiohttp (one or several worker processes)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import multiprocessing
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot.live import Library
from bot.settings import Settings, SettingsError, load_settings
from bot.slack_app import SlackRuntime, build_runtime
from bot.web.routes import add_glossary_routes, start_pages

logger = logging.getLogger("glossary_bot.server")

SHUTDOWN_GRACE_SECONDS = 25.0  # container runtimes send SIGKILL 30 s after SIGTERM by default
TOKEN_RE = re.compile(r"\b(xox[abposr]-|xapp-)[A-Za-z0-9-]+")


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
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO").upper(),
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

    async def slack_events(request: web.Request) -> web.Response:
        bolt_response = await runtime.app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(bolt_response)

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"ok": True, "terms": len(runtime.library.engine.glossary.terms)})

    async def lifecycle(_: web.Application) -> AsyncIterator[None]:
        await runtime.delivery.open()
        await runtime.identity.load()  # fails start-up on a bad token, before any request is taken
        watcher = asyncio.create_task(follow_content(runtime)) if runtime.settings.reload_seconds else None
        yield
        if watcher:
            watcher.cancel()
        await runtime.delivery.close()
        runtime.events.close()

    async def finish_replies(_: web.Application) -> None:
        # The listening socket is closed by now; replies already acked get to finish.
        if not await runtime.inflight.wait_idle(SHUTDOWN_GRACE_SECONDS):
            logger.error("shutting down with %d replies still in flight", runtime.inflight.count)

    app = web.Application(client_max_size=runtime.settings.max_body_bytes)
    app.router.add_post("/slack/events", slack_events)
    app.router.add_get("/healthz", healthz)
    add_glossary_routes(app, lambda: runtime.library.engine.glossary)
    app.cleanup_ctx.append(lifecycle)
    app.on_shutdown.append(finish_replies)
    return app


def _run_http_worker(settings: Settings, content: str, intents: str, reuse_port: bool) -> None:
    configure_logging(settings)
    runtime = build_runtime(settings, Library(Path(content), Path(intents), settings.base_url, settings.cache_dir))
    web.run_app(create_web_app(runtime), host="0.0.0.0", port=settings.port, reuse_port=reuse_port,
                shutdown_timeout=SHUTDOWN_GRACE_SECONDS, print=None, access_log=None)


def serve_http(settings: Settings, content: str, intents: str) -> int:
    if settings.workers <= 1:
        _run_http_worker(settings, content, intents, reuse_port=False)
        return 0
    # Several processes share the port (SO_REUSEPORT) and the SQLite event log, using every core.
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_run_http_worker, args=(settings, content, intents, True), daemon=False)
               for _ in range(settings.workers)]
    for worker in workers:
        worker.start()

    def forward(signum: int, _frame: object) -> None:
        for worker in workers:
            if worker.pid:
                os.kill(worker.pid, signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    for worker in workers:
        worker.join()
    return max((w.exitcode or 0) for w in workers)


async def serve_socket_mode(settings: Settings, content: str, intents: str) -> None:
    runtime = build_runtime(settings, Library(Path(content), Path(intents), settings.base_url, settings.cache_dir))
    handler = socket_mode_handler(runtime)
    await runtime.delivery.open()
    watcher = asyncio.create_task(follow_content(runtime))
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
    with contextlib.suppress(Exception):
        await handler.close_async()
    await runtime.delivery.close()
    runtime.events.close()


def socket_mode_handler(runtime: SlackRuntime) -> AsyncSocketModeHandler:
    assert runtime.settings.app_token
    return AsyncSocketModeHandler(runtime.app, runtime.settings.app_token, web_client=runtime.delivery.client)


def serve(args: argparse.Namespace) -> int:
    from bot.cli import cache_dir, content_dirs

    try:
        settings = load_settings(http=args.http, port=args.port, workers=args.workers, cache_dir=cache_dir(),
                                 web_port=args.web_port)
    except SettingsError as exc:
        print(f"glossary-bot serve: {exc}", file=sys.stderr)
        return 2
    content, intents = (str(p) for p in content_dirs(args))
    if settings.mode == "http":
        return serve_http(settings, content, intents)  # each worker process sets up its own logging
    configure_logging(settings)
    asyncio.run(serve_socket_mode(settings, content, intents))
    return 0
