"""The message shortcut "Explain terms in this message": every glossary term it names, privately."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.slack.errors import guarded
from bot.slack.ids import EXPLAIN_SHORTCUT
from bot.slack.replies import definitions_in
from bot.slack.runtime import SlackRuntime
from bot.views import explain_blocks


def register(app: AsyncApp, rt: SlackRuntime) -> None:
    app.shortcut(EXPLAIN_SHORTCUT)(guarded(rt, handle_explain_shortcut))


async def handle_explain_shortcut(rt: SlackRuntime, ack: AsyncAck, body: dict[str, Any]) -> None:
    await ack()
    async with rt.inflight.track():
        text, blocks = explain_blocks(definitions_in(rt.library.engine, body.get("message", {}).get("text", "")))
        await rt.delivery.respond(body["response_url"], {"response_type": "ephemeral", "text": text, "blocks": blocks})
