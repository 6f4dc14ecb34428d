"""The knowledge loop's buttons: a feedback vote (and the private follow-up to "not helpful"), "What
was wrong?" and "Suggest a definition" (each opens a modal), and "Ask the owner"."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.feedback import suggest_view, unpack, what_wrong_view
from bot.slack.errors import guarded
from bot.slack.ids import ASK_OWNER, FEEDBACK, SUGGEST, WHAT_WRONG
from bot.slack.runtime import SlackRuntime
from bot.slack.workflows import ask_owner, private, record_vote, term_of


def register(app: AsyncApp, rt: SlackRuntime) -> None:
    app.action(FEEDBACK)(guarded(rt, handle_feedback))
    app.action(WHAT_WRONG)(guarded(rt, handle_what_wrong))
    app.action(SUGGEST)(guarded(rt, handle_suggest))
    app.action(ASK_OWNER)(guarded(rt, handle_ask_owner))


async def handle_feedback(rt: SlackRuntime, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
    await ack()
    async with rt.inflight.track():
        await record_vote(rt, body, unpack(action.get("value")))


async def handle_what_wrong(rt: SlackRuntime, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
    await ack()
    data = unpack(action.get("value"))
    term = term_of(rt, data.get("s"))
    await rt.delivery.open_modal(body["trigger_id"], what_wrong_view(data, term.title if term else "this term"))


async def handle_suggest(rt: SlackRuntime, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
    await ack()
    question = str(unpack(action.get("value")).get("q") or "")
    await rt.delivery.open_modal(body["trigger_id"], suggest_view(question))


async def handle_ask_owner(rt: SlackRuntime, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
    await ack()
    async with rt.inflight.track():
        note = await ask_owner(rt, (body.get("user") or {}).get("id"), unpack(action.get("value")))
        if body.get("response_url"):
            await rt.delivery.respond(body["response_url"], private(note))
