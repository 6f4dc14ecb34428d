"""Clicks on an answer's controls (share, worked example, another part, a did-you-mean pick) and on
the A–Z list's and App Home's paging."""

from __future__ import annotations

import json
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.answer import Answer
from bot.slack.errors import guarded
from bot.slack.ids import CHOOSE, EXAMPLE, HOME_LETTER, HOME_PAGE, LIST_PAGE, PICK_PART, SHARE
from bot.slack.replies import reply_blocks, withdraw
from bot.slack.runtime import SlackRuntime
from bot.slack.workflows import share
from bot.views import home_view, list_blocks


def register(app: AsyncApp, rt: SlackRuntime) -> None:
    app.action(SHARE)(guarded(rt, handle_share))
    app.action(re.compile(f"^({EXAMPLE}|{PICK_PART}|{CHOOSE}_\\d+)$"))(guarded(rt, handle_part_choice))
    app.action(re.compile(f"^{LIST_PAGE}_(prev|next)$"))(guarded(rt, handle_list_page))
    app.action(re.compile(f"^({HOME_LETTER}_.+|{HOME_PAGE}_(prev|next))$"))(guarded(rt, handle_home_navigation))


def _value(action: dict[str, Any]) -> tuple[str, str]:
    raw = action.get("value") or (action.get("selected_option") or {}).get("value") or "{}"
    data = json.loads(raw)
    return str(data.get("s", "")), str(data.get("p", "intent:definition"))


def _can_share(body: dict[str, Any]) -> bool:
    """Share works from private (ephemeral) previews; DM answers are already where they belong."""
    container = body.get("container") or {}
    return bool(container.get("is_ephemeral", True))


async def _replace_with(rt: SlackRuntime, body: dict[str, Any], answer: Answer) -> None:
    text, blocks = reply_blocks(rt, answer, private=True, shareable=_can_share(body))
    await rt.delivery.respond(body["response_url"], {"replace_original": True, "text": text, "blocks": blocks})


async def handle_share(rt: SlackRuntime, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
    await ack()
    async with rt.inflight.track():
        await share(rt, body, rt.library.engine.answer_part(*_value(action)))


async def handle_part_choice(rt: SlackRuntime, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
    await ack()
    async with rt.inflight.track():
        await _replace_with(rt, body, rt.library.engine.answer_part(*_value(action)))
        picked = json.loads(action.get("value") or "{}").get("u") if action.get("value") else None
        if picked:  # a did-you-mean was picked: that question found its term after all
            await withdraw(rt, str(picked))


async def handle_list_page(rt: SlackRuntime, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
    await ack()
    text, blocks = list_blocks(rt.library.engine.glossary, int(action.get("value") or 0))
    await rt.delivery.respond(body["response_url"], {"replace_original": True, "text": text, "blocks": blocks})


async def handle_home_navigation(rt: SlackRuntime, ack: AsyncAck, body: dict[str, Any],
                                 action: dict[str, Any]) -> None:
    await ack()
    letter, _, page = str(action.get("value", "")).partition(":")
    view = home_view(rt.library.engine.glossary, letter or None, int(page) if page.isdigit() else 0)
    await rt.delivery.publish_home(body["user"]["id"], view)
