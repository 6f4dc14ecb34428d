"""Events: mentions and messages (channels, listened channels, DMs: the agent container) are
answered; opening the Home or Messages tab shows the A–Z index or the suggested prompts."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from bot.slack import agent
from bot.slack.errors import guarded
from bot.slack.replies import is_help
from bot.slack.runtime import SlackRuntime
from bot.slack.workflows import reply_in_conversation, reply_overheard
from bot.views import home_view


def register(app: AsyncApp, rt: SlackRuntime) -> None:
    app.event("app_mention")(guarded(rt, handle_app_mention))
    app.event("message")(guarded(rt, handle_message))
    app.event("app_home_opened")(guarded(rt, handle_app_home_opened))


async def _converse(rt: SlackRuntime, event: dict[str, Any], body: dict[str, Any], question: str,
                    *, public: bool) -> None:
    async with rt.inflight.track():
        answer = None if is_help(question) else rt.library.engine.ask(question)
        await reply_in_conversation(rt, event, body["event_id"], question, answer, public=public)


async def handle_app_mention(rt: SlackRuntime, event: dict[str, Any], body: dict[str, Any]) -> None:
    if event.get("bot_id") or event.get("subtype"):
        return
    if event.get("channel_type") == "im" or str(event.get("channel", "")).startswith("D"):
        # A mention in a DM also arrives as message.im, which answers it: answer once.
        await rt.events.adone(body["event_id"])
        return
    await _converse(rt, event, body, event.get("text", ""), public=True)


async def handle_message(rt: SlackRuntime, event: dict[str, Any], body: dict[str, Any],
                         context: AsyncBoltContext) -> None:
    # Edits, deletes, joins and every bot (ours included) are never answered: no loops, no echoes.
    if event.get("subtype") or event.get("bot_id") or not event.get("user"):
        return
    text = event.get("text", "")
    if event.get("channel_type") == "im":
        await _converse(rt, event, body, text, public=False)
    elif event.get("channel") in rt.settings.listen_channels and f"<@{context.bot_user_id}>" not in text:
        async with rt.inflight.track():
            await reply_overheard(rt, event, body["event_id"], rt.library.engine.overheard(text))


async def handle_app_home_opened(rt: SlackRuntime, event: dict[str, Any], body: dict[str, Any]) -> None:
    """The Home tab's index, and the Messages tab (the agent container)'s suggested prompts."""
    if event.get("tab") == "home":
        async with rt.inflight.track():
            await rt.delivery.publish_home(event["user"], home_view(rt.library.engine.glossary))
    elif event.get("tab") == "messages" and event.get("channel"):
        async with rt.inflight.track():
            await agent.open_messages_tab(rt.delivery, event["channel"], rt.library.engine.glossary)
    await rt.events.adone(body["event_id"])


