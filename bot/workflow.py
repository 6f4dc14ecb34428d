"""The Workflow Builder step "Look up a glossary term": a term (or question) in; its title, definition,
the answer and the worked-example link out — or the step fails with one sentence saying why."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.context.complete.async_complete import AsyncComplete
from slack_bolt.context.fail.async_fail import AsyncFail
from slack_sdk.errors import SlackApiError

from bot.answer import Answer
from bot.render import body_text, cut, option_label

if TYPE_CHECKING:
    from bot.slack_app import SlackRuntime

logger = logging.getLogger("glossary_bot.workflow")

LOOKUP_STEP = "lookup_term"  # the manifest's functions.<callback_id>
INPUT_CHARS = 200  # a term echoed back in an error is cut to this
OUTPUT_CHARS = 10_000  # a generous cap per output: a step's output feeds a message or a form later on


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


def register(rt: SlackRuntime) -> None:
    """`app.function` acks the function_executed event itself; `complete` and `fail` call
    functions.completeSuccess / completeError with the event's short-lived bot_access_token, which
    Bolt puts on the request's client (AttachingFunctionToken)."""

    @rt.app.function(LOOKUP_STEP)
    async def handle_lookup_term(inputs: dict[str, Any], body: dict[str, Any], complete: AsyncComplete,
                                 fail: AsyncFail) -> None:
        asked = str((inputs or {}).get("term") or "")
        async with rt.inflight.track():
            answer = rt.library.engine.ask(asked) if asked.strip() else None
            try:
                if answer is not None and answer.answered:
                    await complete(outputs=step_outputs(answer))
                else:
                    await fail(error=step_error(asked, answer or Answer("unknown", asked)))
            except SlackApiError as exc:  # the run ends as Slack decides (it times the step out); log why
                logger.warning("could not finish workflow step %s: %s", LOOKUP_STEP, exc.response.get("error"))
            await rt.events.adone(body["event_id"])
