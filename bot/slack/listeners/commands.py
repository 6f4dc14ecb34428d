"""The slash command: `/glossary <question>`, `/glossary list`, `/glossary help`."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.slack.errors import guarded
from bot.slack.ids import COMMAND
from bot.slack.replies import is_help, record, reply_blocks
from bot.slack.runtime import SlackRuntime
from bot.views import help_blocks, list_blocks


def register(app: AsyncApp, rt: SlackRuntime) -> None:
    app.command(COMMAND)(guarded(rt, handle_glossary_command))


async def handle_glossary_command(rt: SlackRuntime, ack: AsyncAck, command: dict[str, Any],
                                  body: dict[str, Any]) -> None:
    # The reply rides on the ack itself: no Web API call, so a slow Slack API cannot delay it.
    text = command.get("text", "").strip()
    answer = None
    if is_help(text):
        reply = help_blocks(command.get("command") or COMMAND)
    elif text.casefold() == "list":
        reply = list_blocks(rt.library.engine.glossary)
    else:
        answer = rt.library.engine.ask(text)
        reply = reply_blocks(rt, answer, private=True)
    await ack(text=reply[0], blocks=reply[1], response_type="ephemeral")
    if answer is not None:  # counted after the ack: the store never delays the reply
        await record(rt, answer, "command")
