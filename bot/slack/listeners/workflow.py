"""The Workflow Builder step "Look up a glossary term": a term (or question) in; its title, definition,
the answer and the worked-example link out — or the step fails with one sentence saying why."""

from __future__ import annotations

import functools
import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.complete.async_complete import AsyncComplete
from slack_bolt.context.fail.async_fail import AsyncFail
from slack_sdk.errors import SlackApiError

from bot.answer import Answer
from bot.render import body_text, cut, option_label
from bot.slack.ids import LOOKUP_STEP
from bot.slack.runtime import SlackRuntime

logger = logging.getLogger("glossary_bot.workflow")

INPUT_CHARS = 200  # a term echoed back in an error is cut to this
OUTPUT_CHARS = 10_000  # a generous cap per output: a step's output feeds a message or a form later on
SORRY = "The glossary could not look that up just now; please run the workflow again."


def step_outputs(answer: Answer) -> dict[str, str]:
    """The four outputs for an answered lookup, as plain text (later steps decide how to show them)."""
    assert answer.term is not None and answer.part is not None
    text = "\n".join([answer.part.heading, *body_text(answer.part.body)])
    return {"title": answer.term.title, "definition": cut(answer.term.definition, OUTPUT_CHARS),
            "answer": cut(text, OUTPUT_CHARS), "link": answer.link or ""}


def step_error(asked: str, answer: Answer) -> str:
    """One sentence: why the step could not give an answer."""
    shown = cut(" ".join(asked.split()), INPUT_CHARS)
    if not shown:
        return "No term was given to look up."
    if answer.kind == "choices":
        return f"'{shown}' could mean several terms: " + ", ".join(option_label(o) for o in answer.options) + "."
    return f"'{shown}' is not in the glossary."


def register(app: AsyncApp, rt: SlackRuntime) -> None:
    """`app.function` acks the function_executed event itself; `complete` and `fail` call
    functions.completeSuccess / completeError with the event's short-lived bot_access_token, which
    Bolt puts on the request's client (AttachingFunctionToken)."""
    app.function(LOOKUP_STEP)(functools.partial(handle_lookup_term, rt))
    app.function(re.compile(".*"))(functools.partial(handle_unknown_step, rt))


async def handle_lookup_term(rt: SlackRuntime, inputs: dict[str, Any], body: dict[str, Any], complete: AsyncComplete,
                             fail: AsyncFail) -> None:
    asked = str((inputs or {}).get("term") or "")
    async with rt.inflight.track():
        try:
            answer = rt.library.engine.ask(asked) if asked.strip() else None
        except Exception:  # the step must still finish: a workflow would otherwise wait until Slack times it out
            logger.exception("workflow step %s failed looking up %.60r", LOOKUP_STEP, asked)
            await finish(fail, error=SORRY)
        else:
            if answer is not None and answer.answered:
                await finish(complete, outputs=step_outputs(answer))
            else:
                await finish(fail, error=step_error(asked, answer or Answer("unknown", asked)))
        await rt.events.adone(body["event_id"])


async def handle_unknown_step(rt: SlackRuntime, body: dict[str, Any], fail: AsyncFail) -> None:
    """A step from another version of the app: failed with a sentence, not left to time out."""
    callback_id = str(((body.get("event") or {}).get("function") or {}).get("callback_id", ""))
    logger.warning("no handler for workflow step %.60r", callback_id)
    await finish(fail, error=f"This app has no workflow step called '{cut(callback_id, INPUT_CHARS)}'.")
    await rt.events.adone(body["event_id"])


async def finish(call: AsyncComplete | AsyncFail, **kwargs: Any) -> None:
    """complete() or fail(); Slack refusing is logged, since the run then ends as Slack decides."""
    try:
        await call(**kwargs)
    except SlackApiError as exc:
        logger.warning("could not finish a workflow step: %s", exc.response.get("error"))
