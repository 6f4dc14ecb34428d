"""Running the Slack app: settings, acks under a slow Slack, Socket Mode start-up, the real server."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.live import Library
from bot.settings import SettingsError, load_settings
from bot.slack.app import build_runtime
from bot.slack.logs import RedactSecrets
from bot.slack.server import socket_mode_handler
from tests.conftest import INTENTS, PAGES, ROOT
from tests.helpers import free_port
from tests.slack_harness import BOT_TOKEN, SECRET, SlackHarness, sign
from tests.slack_standin import SlackStandIn

APP_TOKEN = "xapp-1-A111-222-appleveltokensecret"


# ---- settings ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("env", "http", "message"), [
    ({}, False, "No Slack settings found (SLACK_BOT_TOKEN, SLACK_APP_TOKEN or SLACK_SIGNING_SECRET). "
                "To try the bot without Slack, run: glossary-bot chat"),
    ({"SLACK_APP_TOKEN": APP_TOKEN}, False, "SLACK_BOT_TOKEN is not set: Socket Mode needs the bot token"),
    ({"SLACK_BOT_TOKEN": BOT_TOKEN}, False, "SLACK_APP_TOKEN is not set: Socket Mode needs an app-level token"),
    ({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": "xoxb-wrong"}, False, "SLACK_APP_TOKEN must be an app-level"),
    ({"SLACK_BOT_TOKEN": "xapp-wrong", "SLACK_APP_TOKEN": APP_TOKEN}, False, "SLACK_BOT_TOKEN must be a bot token"),
    ({"SLACK_BOT_TOKEN": BOT_TOKEN}, True, "SLACK_SIGNING_SECRET is not set: HTTP mode (--http) needs it"),
    ({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": "not hex!"}, True, "SLACK_SIGNING_SECRET looks malformed"),
    ({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": "ftp://x"}, True,
     "SLACK_API_URL must be an http(s) URL"),
    ({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET, "PORT": "eighty"}, True,
     "PORT must be a number (got 'eighty'); it is read in HTTP mode (--http)"),
    ({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": APP_TOKEN, "GLOSSARY_LISTEN_CHANNELS": "#general"}, False,
     "GLOSSARY_LISTEN_CHANNELS takes channel IDs like C0123ABCD, not '#general'"),
])
def test_bad_settings_fail_with_a_sentence_naming_variable_and_mode(env: dict, http: bool, message: str) -> None:
    with pytest.raises(SettingsError) as err:
        load_settings(env, http=http)
    assert message in str(err.value)


def test_settings_never_show_secrets() -> None:
    settings = load_settings({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET}, http=True)
    assert BOT_TOKEN not in repr(settings) and SECRET not in repr(settings)


def test_serve_without_tokens_points_to_chat() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    run = subprocess.run([sys.executable, "-m", "bot", "serve"], capture_output=True, text=True, env=env,
                         cwd=ROOT, timeout=60, check=False)
    assert run.returncode == 2
    assert "To try the bot without Slack, run: glossary-bot chat" in run.stderr


def test_socket_mode_handler_is_built_with_the_app_token(tmp_path: Path) -> None:
    settings = load_settings({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": APP_TOKEN,
                              "GLOSSARY_STATE_DB": str(tmp_path / "s.db")})

    async def build() -> None:  # the handler's aiohttp session needs a running loop; nothing connects
        runtime = build_runtime(settings, Library(PAGES, INTENTS))
        handler = socket_mode_handler(runtime)
        assert handler.client.app_token == APP_TOKEN
        assert handler.app is runtime.app
        assert handler.client.web_client.token == BOT_TOKEN
        await handler.client.close()
        await runtime.events.aclose()

    asyncio.run(build())


# ---- acks under a slow Slack ------------------------------------------------------------------

@pytest.mark.parametrize("burst", [20, 50])
def test_acks_stay_under_3s_while_the_web_api_takes_2s(slack: SlackHarness, standin: SlackStandIn,
                                                       burst: int) -> None:
    standin.delay = 2.0
    preview = slack.command("ROAS").json()
    example = next(e for b in preview["blocks"] if b["type"] == "actions" for e in b["elements"]
                   if e["action_id"] == "glossary_example")
    kinds = [lambda i: slack.mention(f"what is churn rate #{i}", channel=f"C{i}"),
             lambda i: slack.click(example, response_url=standin.response_url(f"r{i}")),
             lambda i: slack.command("why does CAC matter")]
    with ThreadPoolExecutor(burst) as pool:
        replies = list(pool.map(lambda i: kinds[i % 3](i), range(burst)))
    assert all(r.status == 200 for r in replies)
    slowest = max(r.seconds for r in replies)
    assert slowest < 3.0, f"slowest ack took {slowest:.2f}s"
    mentions = len(range(0, burst, 3))
    clicks = len(range(1, burst, 3))
    standin.wait_for(lambda: len(standin.posts) == mentions and len(standin.responses) == clicks, timeout=30)


# ---- HTTP details -------------------------------------------------------------------------------

def test_oversized_body_is_rejected_before_it_is_read(slack: SlackHarness) -> None:
    reply = slack.post("x" * (2 << 20), "application/json")
    assert reply.status == 413


def test_secrets_are_redacted_from_log_lines_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.redact")
    handler = logging.StreamHandler()
    caplog.handler.addFilter(RedactSecrets((BOT_TOKEN, SECRET)))
    try:
        raise RuntimeError(f"bad token {BOT_TOKEN} and secret {SECRET} and xoxp-9-other-token")
    except RuntimeError:
        logger.exception("failed with %s", BOT_TOKEN)
    text = caplog.text
    assert BOT_TOKEN not in text and SECRET not in text and "xoxp-9-other" not in text
    assert "failed with xoxb-[redacted]" in text
    handler.close()


# ---- the real server, as deployed ----------------------------------------------------------------

def _start_server(standin: SlackStandIn, tmp_path: Path, *extra: str, env: dict | None = None):
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--http", "--port", str(port), "--content", str(PAGES), *extra],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET,
             "SLACK_API_URL": standin.url, "GLOSSARY_STATE_DB": str(tmp_path / "state.db"), **(env or {})})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                assert json.load(r)["terms"] == 12
                return server, port
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise AssertionError(server.communicate()[0])


def _signed_mention(port: int, text: str) -> int:
    body = json.dumps({"type": "event_callback", "event_id": f"Ev{time.time_ns()}", "team_id": "T1",
                       "event": {"type": "app_mention", "user": "U1", "text": text, "ts": "1.5", "channel": "C1"}})
    ts = int(time.time())
    request = urllib.request.Request(f"http://127.0.0.1:{port}/slack/events", data=body.encode(), method="POST",
                                     headers={"Content-Type": "application/json", "X-Slack-Request-Timestamp": str(ts),
                                              "X-Slack-Signature": sign(body, ts)})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status


def test_serve_http_answers_and_finishes_in_flight_replies_on_sigterm(standin: SlackStandIn, tmp_path: Path) -> None:
    server, port = _start_server(standin, tmp_path, env={"LOG_LEVEL": "DEBUG"})
    standin.delay = 1.5  # the reply is still being posted when SIGTERM arrives
    assert _signed_mention(port, "<@UBOT> what is CTR?") == 200
    standin.wait_for(lambda: standin.calls_to("chat.postMessage"))  # in flight: Slack has it, no answer yet
    assert standin.posts == []
    server.send_signal(signal.SIGTERM)
    output, _ = server.communicate(timeout=30)
    assert server.returncode == 0, output
    assert [p["channel"] for p in standin.posts] == ["C1"]
    # At DEBUG, slack-sdk logs every Web API request with its headers: no secret in any line.
    assert "Sending a request" in output and "chat.postMessage" in output
    assert BOT_TOKEN not in output and SECRET not in output
    assert "Bearer" not in output  # the Authorization header is never logged with its value


def test_serve_http_with_two_workers_shares_the_port(standin: SlackStandIn, tmp_path: Path) -> None:
    server, port = _start_server(standin, tmp_path, "--workers", "2")
    try:
        for i in range(6):
            assert _signed_mention(port, f"<@UBOT> what is CTR? {i}") == 200
        standin.wait_for(lambda: len(standin.posts) == 6, timeout=20)
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=30)
    assert server.returncode == 0, output
