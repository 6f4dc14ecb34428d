"""An answer as the Slack door sends it: with the knowledge loop's parts (owner and freshness,
feedback buttons, what to do next), and counted in the state store once given."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from bot.analyzer import analyze
from bot.answer import Answer, Engine
from bot.feedback import Origin, feedback_block, new_answer_id, plain_question, unknown_actions
from bot.normalise import strip_markup, words
from bot.owners import freshness_line
from bot.render import Blocks, Extras, answer_blocks
from bot.slack.runtime import SlackRuntime
from bot.store import StoreUnavailable
from bot.store.base import question_key

logger = logging.getLogger("glossary_bot.loop")


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def normalised(question: str) -> str:
    return " ".join(t.stem for t in analyze(question))[:300]


def is_help(text: str) -> bool:
    return words(strip_markup(text)) in ([], ["help"], ["usage"])


def definitions_in(engine: Engine, text: str) -> list[Answer]:
    """The definition of every glossary term a message names, each once, in the order found."""
    return [engine.answer_part(slug, "intent:definition") for slug in dict.fromkeys(engine.matcher.find_terms(text))]


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
