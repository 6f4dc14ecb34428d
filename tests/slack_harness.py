"""Run the real Slack app over HTTP on 127.0.0.1 and send it signed requests, as Slack does."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.live import Library
from bot.settings import load_settings
from bot.slack.app import build_runtime
from bot.slack.runtime import SlackRuntime
from bot.slack.server import SERVER_OPTIONS, create_web_app
from tests.slack_standin import SlackStandIn

SECRET = "8f742231b10e8888abcd99aaabbb85a5"
BOT_TOKEN = "xoxb-1234-5678-secretbottoken"
FUNCTION_TOKEN = "xwfp-1234-5678-shortlivedstep"
_ids = itertools.count(1)


@dataclass
class Reply:
    status: int
    body: str
    seconds: float

    def json(self) -> Any:
        return json.loads(self.body)


def sign(body: str, timestamp: int, secret: str = SECRET) -> str:
    return "v0=" + hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()


class SlackHarness:
    """The app as deployed in HTTP mode, its Web API pointed at the stand-in through SLACK_API_URL."""

    def __init__(self, standin: SlackStandIn, content: Path, intents: Path, state_db: Path,
                 env: dict[str, str] | None = None):
        self.standin = standin
        settings = load_settings({
            "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": standin.url,
            "GLOSSARY_STATE_DB": str(state_db), "GLOSSARY_CHANNEL_PACE_SECONDS": "0.05",
            "GLOSSARY_RELOAD_SECONDS": "0.2", "GLOSSARY_BASE_URL": "https://glossary.example.com",
            **(env or {})}, http=True, port=0)
        self.runtime: SlackRuntime = build_runtime(settings, Library(content, intents, settings.base_url))
        self.runtime.delivery.backoff = 0.05
        self.runtime.delivery.settle = 0.05
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.port = asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)
        self.url = f"http://127.0.0.1:{self.port}"

    async def _start(self) -> int:
        self.runner = web.AppRunner(create_web_app(self.runtime), access_log=None, **SERVER_OPTIONS)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        # What runs from now on for good (the content watcher), as opposed to the work requests start.
        self._standing = asyncio.all_tasks() - {asyncio.current_task()}
        return site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def wait_until_handled(self, timeout: float = 30) -> None:
        """Return once the app has finished all the work the requests sent so far started: every
        listener Bolt runs after its ack (replies, their retries and checks, status timers) has
        returned. A reply the app would send twice has been sent twice by then."""
        asyncio.run_coroutine_threadsafe(self._idle(), self.loop).result(timeout)

    async def _idle(self) -> None:
        while busy := asyncio.all_tasks() - self._standing - {asyncio.current_task()}:
            await asyncio.wait(busy)

    def stop(self) -> None:
        """Shut down as the server does (replies in flight finish), then close the loop and all it holds."""
        asyncio.run_coroutine_threadsafe(self._stop(), self.loop).result(60)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

    async def _stop(self) -> None:
        await self.runner.cleanup()
        rest = asyncio.all_tasks() - {asyncio.current_task()}
        for task in rest:
            task.cancel()
        await asyncio.gather(*rest, return_exceptions=True)
        await self.loop.shutdown_asyncgens()
        await self.loop.shutdown_default_executor()

    # ---- requests --------------------------------------------------------------------------------

    def post(self, body: str, content_type: str, *, signed: bool = True, age: int = 0, secret: str = SECRET,
             headers: dict[str, str] | None = None, path: str = "/slack/events") -> Reply:
        timestamp = int(time.time()) - age
        request_headers = {"Content-Type": content_type, **(headers or {})}
        if signed:
            request_headers |= {"X-Slack-Request-Timestamp": str(timestamp),
                                "X-Slack-Signature": sign(body, timestamp, secret)}
        request = urllib.request.Request(self.url + path, data=body.encode(), headers=request_headers, method="POST")
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return Reply(response.status, response.read().decode(), time.monotonic() - started)
        except urllib.error.HTTPError as err:
            return Reply(err.code, err.read().decode(errors="replace"), time.monotonic() - started)

    def get(self, path: str) -> Reply:
        with urllib.request.urlopen(self.url + path, timeout=10) as response:
            return Reply(response.status, response.read().decode(), 0.0)

    def get_status(self, path: str) -> Reply:
        """Like get, but an error status is returned, not raised."""
        try:
            return self.get(path)
        except urllib.error.HTTPError as err:
            return Reply(err.code, err.read().decode(errors="replace"), 0.0)

    def event(self, event: dict[str, Any], event_id: str | None = None, retry: int | None = None, **kw: Any) -> Reply:
        body = json.dumps({
            "token": "legacy", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
            "event_id": event_id or f"Ev{next(_ids):08d}", "event_time": int(time.time()), "event": event,
            "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}]})
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
        return self.post(body, "application/json", headers=headers, **kw)

    def mention(self, text: str, channel: str = "C1", thread_ts: str | None = None, **kw: Any) -> Reply:
        event = {"type": "app_mention", "user": "U1", "text": f"<@UBOT> {text}", "ts": f"{time.time():.6f}",
                 "channel": channel, **({"thread_ts": thread_ts} if thread_ts else {})}
        return self.event(event, **kw)

    def message(self, text: str, channel: str = "D1", channel_type: str = "im", **extra: Any) -> Reply:
        return self.event({"type": "message", "user": "U1", "text": text, "ts": f"{time.time():.6f}",
                           "channel": channel, "channel_type": channel_type, **extra})

    def open_messages_tab(self, channel: str = "D5", user: str = "U5") -> Reply:
        """What Slack sends when a person opens the app's Messages tab (the agent container)."""
        return self.event({"type": "app_home_opened", "user": user, "channel": channel, "tab": "messages",
                           "event_ts": f"{time.time():.6f}"})

    def run_step(self, inputs: dict[str, Any], callback_id: str = "lookup_term", execution: str | None = None,
                 **kw: Any) -> Reply:
        """A Workflow Builder step run: function_executed, with its short-lived bot token."""
        execution = execution or f"Fx{next(_ids):08d}"
        return self.event({"type": "function_executed", "function_execution_id": execution,
                           "workflow_execution_id": "Wx1", "inputs": inputs, "event_ts": f"{time.time():.6f}",
                           "bot_access_token": FUNCTION_TOKEN,
                           "function": {"id": "Fn1", "callback_id": callback_id, "title": "Look up a glossary term",
                                        "type": "app", "app_id": "A1", "date_created": 1700000000,
                                        "date_updated": 1700000000, "date_deleted": 0,
                                        "input_parameters": [], "output_parameters": []}}, **kw)

    def command(self, text: str, response_url: str | None = None, **kw: Any) -> Reply:
        form = {"token": "legacy", "team_id": "T1", "channel_id": "C1", "user_id": "U1", "command": "/glossary",
                "text": text, "response_url": response_url or self.standin.response_url(), "trigger_id": "t1",
                "api_app_id": "A1"}
        return self.post(urllib.parse.urlencode(form), "application/x-www-form-urlencoded", **kw)

    def click(self, action: dict[str, Any], *, ephemeral: bool = True, user: str = "U1",
              response_url: str | None = None, channel: str = "C1") -> Reply:
        click = next(_ids)  # Slack gives every click its own trigger_id and action_ts
        payload = {"type": "block_actions", "user": {"id": user}, "team": {"id": "T1"}, "api_app_id": "A1",
                   "container": {"type": "message", "is_ephemeral": ephemeral, "message_ts": "1700000000.000100"},
                   "channel": {"id": channel}, "response_url": response_url or self.standin.response_url(),
                   "trigger_id": f"t{click}", "actions": [{"action_ts": f"{time.time():.6f}{click}", **action}]}
        return self.interact(payload)

    def interact(self, payload: dict[str, Any]) -> Reply:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded")

    def shortcut(self, message_text: str) -> Reply:
        return self.interact({
            "type": "message_action", "callback_id": "explain_terms", "user": {"id": "U1"}, "team": {"id": "T1"},
            "channel": {"id": "C1"}, "message": {"type": "message", "text": message_text, "ts": "1.0"},
            "response_url": self.standin.response_url("shortcut"), "trigger_id": f"t{next(_ids)}", "api_app_id": "A1"})


def select(action: dict[str, Any], option: int = 0) -> dict[str, Any]:
    """What Slack sends when a person picks an option from one of our static_select menus."""
    return {**action, "selected_option": action["options"][option]}
