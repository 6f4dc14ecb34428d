"""Which Slack events and clicks have been handled. The stores live in `bot.store` (SQLite or
PostgreSQL, behind one async interface); this module says what makes a click one click, and keeps
the names the rest of the bot has always used."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from bot.store import check_store
from bot.store.base import STALE_CLAIM_SECONDS, TTL_SECONDS, StoreBusy, StoreError, StoreUnavailable
from bot.store.sqlite import SqliteStore

__all__ = ["INTERACTION_PREFIX", "STALE_CLAIM_SECONDS", "TTL_SECONDS", "EventLog", "StoreBusy", "StoreError",
           "StoreUnavailable", "check_store", "interaction_key"]

INTERACTION_PREFIX = "interaction:"  # clicks share the events table, under this prefix
EventLog = SqliteStore  # the SQLite store, by its old name


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
