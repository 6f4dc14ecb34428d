"""Which Slack events and clicks have been handled: an SQLite table shared by workers and kept across
restarts. The file is checked when it opens; every call from the event loop runs on the store's own
thread within a short time budget, so a locked or slow disk never stalls other requests."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

logger = logging.getLogger("glossary_bot.store")

TTL_SECONDS = 15 * 60  # Slack retries for about 6 minutes; 15 keeps a wide margin over the 10 asked for
STALE_CLAIM_SECONDS = 60  # a claim this old that never finished was lost in a crash: a retry may take it
BUDGET_SECONDS = 1.5  # a store call from a request gives up after this (acks are due within 3 s)
COLUMNS = ["id", "at", "done"]
INTERACTION_PREFIX = "interaction:"  # clicks share the events table, under this prefix

T = TypeVar("T")


class StoreError(Exception):
    """The state database cannot be used: the message is a sentence naming the file and the setting."""


class StoreBusy(Exception):
    """The store did not answer within its time budget (another process holds the write lock, a slow disk)."""


def _damaged(path: Path | str, detail: str) -> StoreError:
    return StoreError(f"the state database {path} (GLOSSARY_STATE_DB) cannot be used: {detail}. It only holds the "
                      "ids of recently handled events: stop the bot, move the file away (or point "
                      "GLOSSARY_STATE_DB at a new file) and start again")


class EventLog:
    """claim(event_id) is True exactly once per event while its first delivery is being handled or done.

    A delivery claims the id when it arrives and marks it done after replying. A retry of a claimed
    id is dropped; a retry of an id never seen is handled (its first delivery never arrived); and a
    claim left behind by a crash goes stale, so the retry after a restart still gets its reply.
    `claim_once(key)` is for clicks: the first delivery of a key wins, replays within the TTL do not.
    The `a…` methods are the same calls for the event loop: on the store's thread, within `budget`.
    """

    def __init__(self, path: Path | str, clock: Callable[[], float] = time.time, budget: float = BUDGET_SECONDS):
        self.path, self._clock, self.budget = path, clock, budget
        self._lock = threading.Lock()
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="glossary-store")
        try:
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=5)
        except sqlite3.Error as exc:
            raise _damaged(path, f"it cannot be opened ({exc})") from None
        try:
            self._open()
        except sqlite3.Error as exc:
            self._db.close()
            raise _damaged(path, f"SQLite says: {exc}") from None
        except StoreError:
            self._db.close()
            raise
        self._claims = 0

    def _open(self) -> None:
        tables = dict(self._db.execute("SELECT name, type FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"))
        if tables:
            problems = self._db.execute("PRAGMA quick_check").fetchall()
            if [tuple(row) for row in problems] != [("ok",)]:
                raise _damaged(self.path, f"its integrity check failed ({'; '.join(str(r[0]) for r in problems[:3])})")
            foreign = sorted(set(tables) - {"events"})
            columns = [row[1] for row in self._db.execute("PRAGMA table_info(events)")]
            if foreign or (tables and columns != COLUMNS):
                found = ", ".join(foreign) or f"events({', '.join(columns)})"
                expected = f"events({', '.join(COLUMNS)})"
                raise _damaged(self.path, f"it holds another schema ({found}), not this bot's {expected}")
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY, at REAL NOT NULL, done INTEGER"
                         " NOT NULL DEFAULT 0)")

    # ---- the calls, synchronous ------------------------------------------------------------------

    def claim(self, event_id: str) -> bool:
        now = self._clock()
        with self._lock:
            inserted = self._db.execute("INSERT OR IGNORE INTO events (id, at) VALUES (?, ?)", (event_id, now))
            if inserted.rowcount == 1:
                self._claims += 1
                if self._claims % 500 == 0:
                    self._db.execute("DELETE FROM events WHERE at < ?", (now - TTL_SECONDS,))
                return True
            retaken = self._db.execute("UPDATE events SET at = ? WHERE id = ? AND done = 0 AND at < ?",
                                       (now, event_id, now - STALE_CLAIM_SECONDS))
            if retaken.rowcount == 1:
                return True
            expired = self._db.execute("UPDATE events SET at = ?, done = 0 WHERE id = ? AND at < ?",
                                       (now, event_id, now - TTL_SECONDS))
            return expired.rowcount == 1

    def claim_once(self, key: str) -> bool:
        """True for the first delivery of `key` within the TTL, False for every repeat."""
        now = self._clock()
        with self._lock:
            inserted = self._db.execute("INSERT OR IGNORE INTO events (id, at, done) VALUES (?, ?, 1)", (key, now))
            if inserted.rowcount == 1:
                return True
            expired = self._db.execute("UPDATE events SET at = ?, done = 1 WHERE id = ? AND at < ?",
                                       (now, key, now - TTL_SECONDS))
            return expired.rowcount == 1

    def done(self, event_id: str) -> None:
        with self._lock:
            self._db.execute("UPDATE events SET done = 1 WHERE id = ?", (event_id,))

    def check(self) -> str:
        """"ok", or what is wrong with the file now."""
        with self._lock:
            rows = self._db.execute("PRAGMA quick_check").fetchall()
            self._db.execute("SELECT count(*) FROM events").fetchone()
        return "ok" if [tuple(r) for r in rows] == [("ok",)] else "; ".join(str(r[0]) for r in rows[:3])

    def close(self) -> None:
        self._thread.shutdown(wait=True)
        with self._lock:
            self._db.close()

    # ---- the same calls, for the event loop ----------------------------------------------------

    async def _run(self, call: Callable[..., T], *args: Any) -> T:
        """Run `call` on the store's thread; StoreBusy if it cannot finish within the budget. The
        deadline travels with the call, so a call that waited in line too long never runs late."""
        deadline = time.monotonic() + self.budget

        def within_budget() -> T:
            left = deadline - time.monotonic()
            if left <= 0:
                raise StoreBusy("waited its whole budget for the store")
            with self._lock:
                self._db.execute(f"PRAGMA busy_timeout = {max(1, int(left * 1000))}")
            return call(*args)

        future = asyncio.get_running_loop().run_in_executor(self._thread, within_budget)
        try:
            return await asyncio.wait_for(future, self.budget + 0.5)
        except TimeoutError:
            raise StoreBusy(f"no answer within {self.budget:g} s") from None
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreBusy(str(exc)) from None
            raise

    async def aclaim(self, event_id: str) -> bool:
        return await self._run(self.claim, event_id)

    async def aclaim_once(self, key: str) -> bool:
        return await self._run(self.claim_once, key)

    async def adone(self, event_id: str) -> None:
        """Mark handled; a failure is logged, never raised: the reply has gone out already."""
        try:
            await self._run(self.done, event_id)
        except (StoreBusy, sqlite3.Error) as exc:
            logger.warning("could not mark %s handled (%s); a retry within a minute is dropped, a later one "
                           "answered again", event_id, exc)

    async def health(self) -> str:
        try:
            return await self._run(self.check)
        except StoreBusy as exc:
            return f"busy: {exc}"
        except sqlite3.Error as exc:
            return f"damaged: {exc}"


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


def check_state_db(path: Path | str) -> None:
    """Open and check the state database once (at start-up); raises StoreError with a sentence."""
    EventLog(path).close()
