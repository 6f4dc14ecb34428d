"""Requests no other listener claims (a modal or button from another version of the app): acked,
with a private note, instead of Bolt's 404 (which Slack shows as an error). Registered last; Bolt's
error handler, for failures outside listeners, is registered here too."""

from __future__ import annotations

import functools
import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.slack.errors import guarded, handle_errors, sorry_view, went_wrong
from bot.slack.runtime import SlackRuntime

logger = logging.getLogger("glossary_bot.slack")


def register(app: AsyncApp, rt: SlackRuntime) -> None:
    app.view(re.compile(".*"))(guarded(rt, handle_unknown_view))
    app.action(re.compile(".*"))(guarded(rt, handle_unknown_action))
    app.error(functools.partial(handle_errors, rt))


async def handle_unknown_view(rt: SlackRuntime, ack: AsyncAck, body: dict[str, Any]) -> None:
    logger.warning("no handler for view %.60r", (body.get("view") or {}).get("callback_id"))
    await ack(response_action="update", view=sorry_view())


async def handle_unknown_action(rt: SlackRuntime, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
    await ack()
    logger.warning("no handler for action %.60r", action.get("action_id"))
    await went_wrong(rt, body, None)
