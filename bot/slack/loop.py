"""The knowledge loop's Slack door: feedback buttons on every answer, the private follow-up to a
not-helpful vote, "Ask the owner", "Suggest a definition" and their modals, recording unanswered
questions, and the weekly digest. Listeners ack, make one store or engine call, and reply."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck
from slack_sdk.errors import SlackApiError

from bot.analyzer import analyze
from bot.answer import Answer
from bot.content import Slug, Term
from bot.digest import digest_blocks, owner_digests, period_of
from bot.feedback import (
    Origin,
    feedback_block,
    new_answer_id,
    not_helpful_blocks,
    plain_question,
    question_for_owner,
    submitted,
    suggest_view,
    thanks_view,
    unknown_actions,
    unpack,
    what_wrong_view,
)
from bot.owners import freshness_line, owner_kind, owner_mention
from bot.render import Blocks, Extras, answer_blocks
from bot.report import Report, build_report
from bot.slack.ids import ASK_OWNER, FEEDBACK, SUGGEST, SUGGEST_VIEW, WHAT_WRONG, WHAT_WRONG_VIEW
from bot.store import StoreUnavailable
from bot.store.base import Suggestion, Vote, question_key

if TYPE_CHECKING:
    from bot.slack.app import SlackRuntime

logger = logging.getLogger("glossary_bot.loop")

DIGEST_CHECK_SECONDS = 3600.0  # how often a replica asks whether this week's digest is still due
DIGEST_DAYS = 7
NO_EXPERTS = ("There is no one to send it to yet: this term has no owner and no experts channel is set "
              "(GLOSSARY_EXPERTS_CHANNEL). Ask in your team's usual channel.")


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def normalised(question: str) -> str:
    return " ".join(t.stem for t in analyze(question))[:300]


def reply_blocks(rt: SlackRuntime, answer: Answer, origin: Origin | None = None, **kw: Any) -> tuple[str, Blocks]:
    """answer_blocks with the loop's parts: owner and freshness, feedback buttons, what to do next."""
    loop, origin = rt.settings.loop, origin or Origin()
    if answer.answered and answer.term and answer.part:
        extras = Extras(footer=freshness_line(answer.term, today(), loop.stale_days) or None,
                        feedback=feedback_block(answer, new_answer_id(), loop.log_questions, origin))
    elif answer.kind == "choices":
        extras = Extras(choice_key=normalised(answer.question))
    else:
        extras = Extras(unknown=unknown_actions(answer, origin))
    return answer_blocks(answer, extras=extras, **kw)


async def record(rt: SlackRuntime, answer: Answer, place: str) -> None:
    """Count the answer given, or the question the glossary could not answer (where, never who). A
    failing store loses one count, never the reply."""
    try:
        if answer.answered and answer.term:
            await rt.events.record_answered(answer.term.slug)
        elif plain_question(answer.question):
            form = normalised(answer.question)
            keep = rt.settings.loop.log_questions
            await rt.events.record_unanswered(question_key(form, keep), plain_question(answer.question)[:300]
                                              if keep else None, place)
    except StoreUnavailable as exc:
        logger.warning("could not record a %s question (%s)", answer.kind, exc)


async def withdraw(rt: SlackRuntime, choice_key: str) -> None:
    """A did-you-mean was picked: that question found its term after all."""
    try:
        await rt.events.withdraw_unanswered(question_key(choice_key, rt.settings.loop.log_questions))
    except StoreUnavailable as exc:
        logger.warning("could not withdraw an unanswered question (%s)", exc)


def _term(rt: SlackRuntime, slug: str | None) -> Term | None:
    return rt.library.engine.glossary.by_slug.get(Slug(slug)) if slug else None


async def _permalink(rt: SlackRuntime, channel: str | None, ts: str | None) -> str | None:
    """A link to the asker's message; none for a DM, which only the asker and the bot can open."""
    if not channel or not ts or channel.startswith("D"):
        return None
    try:
        found = await rt.delivery.client.chat_getPermalink(channel=channel, message_ts=ts)
    except SlackApiError as exc:
        logger.info("no permalink for the asker's message: %s", exc.response.get("error"))
        return None
    return str(found.get("permalink") or "") or None


async def ask_owner(rt: SlackRuntime, asker: str | None, data: dict[str, Any]) -> str:
    """Post the question to the term's owner (a DM, their channel, or the experts channel mentioning
    their group), or to the experts channel; returns the private note for the asker."""
    term = _term(rt, data.get("s"))
    experts = rt.settings.loop.experts_channel
    owner = (term.owner or "").strip() if term else ""
    kind = owner_kind(owner)
    target = owner if kind in ("user", "channel") else experts
    if target is None:
        return NO_EXPERTS
    mention = owner_mention(owner) if kind == "group" else None
    permalink = await _permalink(rt, data.get("c"), data.get("t"))
    text, blocks = question_for_owner(str(data.get("q") or ""), asker, term.title if term else None, mention,
                                      permalink)
    sent = await rt.delivery.post(target, text, blocks)
    if sent != "posted":
        return "Sorry, I could not pass the question on just now. Please try again in a moment."
    where = {"user": f"<@{owner}>", "channel": f"<#{owner}>"}.get(kind or "", f"<#{experts}>")
    return f"Sent to {where}. They will reply to you in Slack."


def _private(text: str, blocks: Blocks | None = None) -> dict[str, Any]:
    return {"response_type": "ephemeral", "replace_original": False, "text": text,
            **({"blocks": blocks} if blocks else {})}


def register_loop(rt: SlackRuntime) -> None:
    """Bind the loop's listeners (before the catch-all fallbacks, which would otherwise take them)."""
    from bot.slack.app import guarded

    app = rt.app

    @app.action(FEEDBACK)
    @guarded(rt)
    async def handle_feedback(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        data = unpack(action.get("value"))
        user = (body.get("user") or {}).get("id") or ""
        if data.get("v") not in (1, -1) or not data.get("a") or not user:
            return
        vote = Vote(user, str(data["a"]), str(data.get("s") or ""), str(data.get("p") or ""), int(data["v"]),
                    str((body.get("container") or {}).get("message_ts") or ""), data.get("q"))
        async with rt.inflight.track():
            standing = await rt.events.record_vote(vote)
            term = _term(rt, vote.term)
            if standing == -1 and body.get("response_url"):
                text, blocks = not_helpful_blocks(data, term.title if term else vote.term)
                await rt.delivery.respond(body["response_url"], _private(text, blocks))

    @app.action(WHAT_WRONG)
    @guarded(rt)
    async def handle_what_wrong(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        data = unpack(action.get("value"))
        term = _term(rt, data.get("s"))
        await rt.delivery.client.views_open(trigger_id=body["trigger_id"],
                                            view=what_wrong_view(data, term.title if term else "this term"))

    @app.action(SUGGEST)
    @guarded(rt)
    async def handle_suggest(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        question = str(unpack(action.get("value")).get("q") or "")
        await rt.delivery.client.views_open(trigger_id=body["trigger_id"], view=suggest_view(question))

    @app.action(ASK_OWNER)
    @guarded(rt)
    async def handle_ask_owner(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        async with rt.inflight.track():
            note = await ask_owner(rt, (body.get("user") or {}).get("id"), unpack(action.get("value")))
            if body.get("response_url"):
                await rt.delivery.respond(body["response_url"], _private(note))

    @app.view(WHAT_WRONG_VIEW)
    @guarded(rt)
    async def handle_what_wrong_view(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        data = unpack(view.get("private_metadata"))
        note = submitted(view, "note")
        if note and data.get("a"):
            await rt.events.note_vote((body.get("user") or {}).get("id") or "", str(data["a"]), note)
        await ack(response_action="update", view=thanks_view("Thank you: the glossary's owners will read it."))

    @app.view(SUGGEST_VIEW)
    @guarded(rt)
    async def handle_suggest_view(ack: AsyncAck, view: dict[str, Any]) -> None:
        term, definition = submitted(view, "term"), submitted(view, "definition")
        if not term or not definition:
            await ack(response_action="errors", errors={"term" if not term else "definition": "Please fill this in."})
            return
        await rt.events.add_suggestion(Suggestion(term, definition, submitted(view, "details")))
        await ack(response_action="update", view=thanks_view(
            "Thank you: your suggestion is in the glossary owners' weekly report."))


# ---- the weekly digest ------------------------------------------------------------------------------

async def current_report(rt: SlackRuntime, days: int = DIGEST_DAYS) -> Report:
    rows = await rt.events.rows(time.time() - days * 86400)
    return build_report(rows, rt.library.engine.glossary, today(), rt.settings.loop.stale_days)


async def send_digest(rt: SlackRuntime, period: str) -> bool:
    """Post this period's digest unless another replica already has: the store decides, once."""
    channel = rt.settings.loop.digest_channel
    if not channel or not await rt.events.claim_digest(period):
        return False
    report = await current_report(rt)
    await rt.delivery.post(channel, *digest_blocks(report))
    for owner, (text, blocks) in owner_digests(report, rt.library.engine.glossary).items():
        await rt.delivery.post(owner, text, blocks)
    logger.info("posted the weekly digest for %s", period)
    return True


async def run_digests(rt: SlackRuntime) -> None:
    """The background task: once an hour, post this week's digest if no replica has yet."""
    while True:
        try:
            await send_digest(rt, period_of(today()))
        except StoreUnavailable as exc:
            logger.warning("weekly digest not posted now (%s); will try again", exc)
        except Exception:  # the task must outlive any surprise; the traceback goes to the log
            logger.exception("weekly digest failed; will try again")
        await asyncio.sleep(DIGEST_CHECK_SECONDS)
