"""Delivery workflows: the Slack calls that together make one outcome (reply, then record; share,
falling back to response_url; record a vote, then follow up; pass a question to its owner). Listeners
make one call into these."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.answer import Answer
from bot.content import Slug, Term
from bot.feedback import Origin, not_helpful_blocks, question_for_owner
from bot.owners import owner_kind, owner_mention
from bot.render import Blocks, answer_metadata, context
from bot.slack import agent
from bot.slack.ids import COMMAND
from bot.slack.replies import record, reply_blocks
from bot.slack.runtime import SlackRuntime
from bot.store.base import Vote
from bot.views import help_blocks

logger = logging.getLogger("glossary_bot.loop")

UNCLEAR_SHARE = "Slack did not confirm the share. If it is not in the channel, press *Share in channel* again."
GONE_FROM_GLOSSARY = ("That term is no longer in the glossary (it was removed or renamed since this answer was "
                      "shown), so nothing was shared. Ask `/glossary` again for the current answer.")
NO_EXPERTS = ("There is no one to send it to yet: this term has no owner and no experts channel is set "
              "(GLOSSARY_EXPERTS_CHANNEL). Ask in your team's usual channel.")


async def reply_in_conversation(rt: SlackRuntime, event: dict[str, Any], event_id: str, question: str,
                                answer: Answer | None, *, public: bool) -> None:
    """Mentions and DMs: answers in the thread of the question (a DM is the agent container, where each
    question is a thread, titled from its first question); did-you-mean and unknown privately in channels.
    No answer means help was asked for. Then the event is marked done and the answer counted."""
    delivery = rt.delivery
    channel, thread = event["channel"], event.get("thread_ts") or event["ts"]
    if answer is None:
        text, blocks = help_blocks(COMMAND)
    else:
        text, blocks = reply_blocks(rt, answer, Origin(channel, event.get("ts")), private=not public, shareable=False)
    if public and answer is not None and not answer.answered:
        # Never name the asker or echo their words in a channel: this note is theirs alone.
        await delivery.ephemeral(channel, event["user"], text, blocks, thread_ts=event.get("thread_ts"))
    else:
        async with contextlib.nullcontext() if public else agent.status_while_slow(delivery, channel, thread):
            await delivery.post(channel, text, blocks, thread_ts=thread, about=answer_metadata(answer))
    if not public and not event.get("thread_ts"):
        await agent.title_thread(delivery, channel, thread, question)
    await rt.events.adone(event_id)
    if answer is not None:
        await record(rt, answer, "channel" if public else "dm")


async def reply_overheard(rt: SlackRuntime, event: dict[str, Any], event_id: str, answer: Answer | None) -> None:
    """A listened channel's message the glossary could answer: answered in its thread, and counted."""
    if answer is not None:
        await rt.delivery.post(event["channel"], *reply_blocks(rt, answer, Origin(event["channel"], event["ts"])),
                               thread_ts=event.get("thread_ts") or event["ts"], about=answer_metadata(answer))
        await record(rt, answer, "channel")
    await rt.events.adone(event_id)


async def share(rt: SlackRuntime, body: dict[str, Any], answer: Answer) -> None:
    """Share a private preview in its channel: posted by the bot where it may post, else through
    response_url; then the preview is deleted. When Slack does not confirm, the preview stays."""
    delivery = rt.delivery
    if not answer.answered:  # removed or renamed since the preview: say so privately, keep the preview
        await delivery.respond(body["response_url"], {"response_type": "ephemeral",
                                                      "replace_original": False, "text": GONE_FROM_GLOSSARY})
        return
    text, blocks = reply_blocks(rt, answer, shared_by=body["user"]["id"])
    # chat.postMessage can be checked and so never posts twice; where the bot may not post
    # (a channel it has not joined, someone else's DM) Slack refuses and response_url takes over.
    channel = (body.get("channel") or {}).get("id")
    shared = await delivery.post(channel, text, blocks, about=answer_metadata(answer)) if channel else "refused"
    if shared == "refused":
        shared = await delivery.respond(body["response_url"], {
            "response_type": "in_channel", "replace_original": False, "text": text, "blocks": blocks},
            new_message=True)
    if shared == "posted":
        await delivery.respond(body["response_url"], {"delete_original": True})
    elif shared == "unclear":  # keep the preview and its button: the person decides, nothing doubles
        preview = reply_blocks(rt, answer, private=True)
        await delivery.respond(body["response_url"], {"replace_original": True, "text": preview[0],
                                                      "blocks": [*preview[1], context(UNCLEAR_SHARE)]})


async def record_vote(rt: SlackRuntime, body: dict[str, Any], data: dict[str, Any]) -> None:
    """Record a click on the feedback buttons (one vote stands per person and answer); when the person's
    vote now stands at "not helpful", ask them privately what was wrong."""
    user = (body.get("user") or {}).get("id") or ""
    if data.get("v") not in (1, -1) or not data.get("a") or not user:
        return
    vote = Vote(user, str(data["a"]), str(data.get("s") or ""), str(data.get("p") or ""), int(data["v"]),
                str((body.get("container") or {}).get("message_ts") or ""), data.get("q"))
    standing = await rt.events.record_vote(vote)
    term = term_of(rt, vote.term)
    if standing == -1 and body.get("response_url"):
        text, blocks = not_helpful_blocks(data, term.title if term else vote.term)
        await rt.delivery.respond(body["response_url"], private(text, blocks))


def term_of(rt: SlackRuntime, slug: str | None) -> Term | None:
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
    term = term_of(rt, data.get("s"))
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


def private(text: str, blocks: Blocks | None = None) -> dict[str, Any]:
    """A response_url payload seen only by the person who clicked, beside the original message."""
    return {"response_type": "ephemeral", "replace_original": False, "text": text,
            **({"blocks": blocks} if blocks else {})}
