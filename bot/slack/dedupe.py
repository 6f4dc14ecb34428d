"""Which Slack events and clicks have been handled. The stores live in `bot.store` (SQLite or
PostgreSQL, behind one async interface); this module says what makes a click one click, and keeps
the names the rest of the bot has always used. `drop_duplicates` is the Bolt middleware that
answers each event and click once."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.response import BoltResponse

from bot.slack.runtime import SlackRuntime
from bot.store import check_store
from bot.store.base import STALE_CLAIM_SECONDS, TTL_SECONDS, StoreBusy, StoreError, StoreUnavailable
from bot.store.sqlite import SqliteStore

__all__ = ["INTERACTION_PREFIX", "STALE_CLAIM_SECONDS", "TTL_SECONDS", "EventLog", "StoreBusy", "StoreError",
           "StoreUnavailable", "check_store", "drop_duplicates", "interaction_key"]

INTERACTION_PREFIX = "interaction:"  # clicks share the events table, under this prefix
EventLog = SqliteStore  # the SQLite store, by its old name

logger = logging.getLogger("glossary_bot.slack")


def interaction_key(body: dict[str, Any]) -> str | None:
    """What makes one click one click: its type, the person, Slack's trigger and action timestamps and
    the message it was made on. A replayed request repeats all of them; a new click never does."""
    kind = body.get("type")
    if kind not in ("block_actions", "message_action", "shortcut", "view_submission"):
        return None
    actions = body.get("actions") or [{}]
    container = body.get("container") or {}
    parts = [kind, (body.get("user") or {}).get("id"), body.get("trigger_id"), actions[0].get("action_id"),
             actions[0].get("action_ts"), container.get("message_ts"), body.get("response_url"),
             (body.get("view") or {}).get("id"), (body.get("message") or {}).get("ts")]
    return INTERACTION_PREFIX + hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:40]


async def drop_duplicates(rt: SlackRuntime, body: dict[str, Any],
                          next: Callable[[], Awaitable[BoltResponse | None]]) -> BoltResponse | None:
    """Bolt middleware: events by event_id (Slack's retries); clicks by what makes a click unique (a
    replayed signed request). The store is asked off the event loop, within a short budget."""
    event_id = body.get("event_id")
    key = event_id if body.get("type") == "event_callback" and event_id else interaction_key(body)
    if key is None:
        return await next()
    try:
        first = await (rt.events.aclaim(key) if key == event_id else rt.events.aclaim_once(key))
    except StoreUnavailable as exc:
        # Unknown whether this is a repeat: not answering now is safe. Slack retries an event
        # (a non-2xx asks it to); a click shows the person an error and can be pressed again.
        logger.warning("state store unavailable (%s); %s not handled now", exc, body.get("type"))
        return BoltResponse(status=503, body="")
    if not first:
        logger.info("repeated delivery of %s %s dropped", body.get("type"), key)
        return BoltResponse(status=200, body="")  # a 2xx, so Slack stops retrying
    return await next()
