"""Failures in listeners: logged with their traceback, and the person gets a short private note
instead of Bolt's silence. `guarded` also binds a listener to the runtime (functools.partial)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck

from bot.slack.runtime import SlackRuntime

logger = logging.getLogger("glossary_bot.slack")

SORRY = "Sorry, I could not answer that just now. Please try again in a moment."
WENT_WRONG = "Sorry, something went wrong on my side. Please try again in a moment."

Listener = Callable[..., Awaitable[None]]


def guarded(rt: SlackRuntime, handler: Callable[..., Awaitable[None]]) -> Listener:
    """`handler(rt, **what Bolt gives)` as a Bolt listener that no exception escapes. (Bolt answers a
    listener that fails after its ack by forgetting the ack: it waits 3 s and answers 404.) The failure
    is logged and the person gets a short private "something went wrong"; the request is acked (200)
    either way. Bolt fills arguments by the names it reads through `__wrapped__`: the partial's, which
    are the handler's own without `rt`."""
    bound = functools.partial(handler, rt)

    @functools.wraps(bound)
    async def run(**kwargs: Any) -> None:
        try:
            await bound(**kwargs)
        except Exception as exc:
            body = kwargs.get("body") or {}
            logger.error("%s failed for a %s request: %s: %.200s", handler.__name__,
                         body.get("type") or "slash command", type(exc).__name__, exc,
                         exc_info=(type(exc), exc, exc.__traceback__))
            await went_wrong(rt, body, kwargs.get("ack"))
    run.__name__ = run.__qualname__ = handler.__name__
    return run


async def went_wrong(rt: SlackRuntime, body: dict[str, Any], ack: AsyncAck | None) -> None:
    """A short private note that something failed; never raises. Only ever called for requests that
    passed verification (the HTTP gate, or Socket Mode), so response_url is Slack's."""
    try:
        if ack is not None and not getattr(ack, "response", None):  # not acked yet: the note rides on the ack
            if body.get("type") == "view_submission":
                await ack(response_action="update", view=sorry_view())
                return
            if body.get("command"):
                await ack(text=WENT_WRONG, response_type="ephemeral")
                return
            await ack()
        if body.get("response_url"):
            await rt.delivery.respond(body["response_url"], {"response_type": "ephemeral",
                                                             "replace_original": False, "text": WENT_WRONG})
            return
        event = body.get("event") or {}
        if event.get("channel") and event.get("user"):
            await rt.delivery.ephemeral(event["channel"], event["user"], WENT_WRONG, [],
                                        thread_ts=event.get("thread_ts"))
    except Exception as exc:  # the note is a courtesy; its failure must not become Bolt's problem
        logger.warning("could not tell the person something went wrong: %s", type(exc).__name__)


def sorry_view() -> dict[str, Any]:
    return {"type": "modal", "title": {"type": "plain_text", "text": "Glossary"},
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": WENT_WRONG}}]}


async def handle_errors(rt: SlackRuntime, error: Exception, body: dict[str, Any]) -> None:
    """Bolt's error handler. Only failures outside listeners (which are guarded) get here, and only for
    requests that passed verification: the HTTP gate admits nothing unsigned, Socket Mode is Slack's own."""
    logger.error("request failed for a %s request: %s: %.200s", body.get("type") or "slash command",
                 type(error).__name__, error)
    if body.get("response_url"):
        await rt.delivery.respond(body["response_url"], {"response_type": "ephemeral", "text": SORRY})
