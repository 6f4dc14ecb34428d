"""Modal submissions: "What was wrong?" notes on a vote, and suggested definitions (the knowledge loop)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.feedback import submitted, thanks_view, unpack
from bot.slack.errors import guarded
from bot.slack.ids import SUGGEST_VIEW, WHAT_WRONG_VIEW
from bot.slack.runtime import SlackRuntime
from bot.store.base import Suggestion


def register(app: AsyncApp, rt: SlackRuntime) -> None:
    app.view(WHAT_WRONG_VIEW)(guarded(rt, handle_what_wrong_view))
    app.view(SUGGEST_VIEW)(guarded(rt, handle_suggest_view))


async def handle_what_wrong_view(rt: SlackRuntime, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
    data = unpack(view.get("private_metadata"))
    note = submitted(view, "note")
    if note and data.get("a"):
        await rt.events.note_vote((body.get("user") or {}).get("id") or "", str(data["a"]), note)
    await ack(response_action="update", view=thanks_view("Thank you: the glossary's owners will read it."))


async def handle_suggest_view(rt: SlackRuntime, ack: AsyncAck, view: dict[str, Any]) -> None:
    term, definition = submitted(view, "term"), submitted(view, "definition")
    if not term or not definition:
        await ack(response_action="errors", errors={"term" if not term else "definition": "Please fill this in."})
        return
    await rt.events.add_suggestion(Suggestion(term, definition, submitted(view, "details")))
    await ack(response_action="update", view=thanks_view(
        "Thank you: your suggestion is in the glossary owners' weekly report."))
