"""The SQLite store: one file shared by the worker processes of one host, kept across restarts. The
file is checked when it opens and migrated; every call from the event loop runs on the store's own
thread within a short time budget, so a locked or slow disk never stalls other requests.

Over 300 lines: every method of the store interface, on the one thread that owns the connection."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from bot.store.base import (
    BUDGET_SECONDS,
    PURGE_EVERY,
    STALE_CLAIM_SECONDS,
    TTL_SECONDS,
    Rows,
    StoreBusy,
    StoreError,
    StoreUnavailable,
    Suggestion,
    Vote,
    vote_after,
)
from bot.store.migrations import LATEST, MIGRATIONS_TABLE, TABLES, pending

logger = logging.getLogger("glossary_bot.store")

COLUMNS = ["id", "at", "done"]
T = TypeVar("T")


def _damaged(path: Path | str, detail: str) -> StoreError:
    return StoreError(f"the state database {path} (GLOSSARY_STATE_DB) cannot be used: {detail}. It holds the "
                      "ids of recently handled events and the feedback people gave: stop the bot, move the file "
                      "away (or point GLOSSARY_STATE_DB at a new file) and start again")


class SqliteStore:
    """claim(event_id) is True exactly once per event while its first delivery is being handled or done.

    A delivery claims the id when it arrives and marks it done after replying. A retry of a claimed
    id is dropped; a retry of an id never seen is handled (its first delivery never arrived); and a
    claim left behind by a crash goes stale, so the retry after a restart still gets its reply.
    `claim_once(key)` is for clicks: the first delivery of a key wins, replays within the TTL do not.
    The `a…` methods and the knowledge-loop calls are for the event loop: on the store's thread, within `budget`.
    """

    def __init__(self, path: Path | str, clock: Callable[[], float] = time.time, budget: float = BUDGET_SECONDS):
        self.path, self._clock, self.budget = path, clock, budget
        self.description = f"SQLite {path}"
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
        tables = dict(self._db.execute("SELECT name, type FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
                                       " AND type = 'table'"))
        if tables:
            problems = self._db.execute("PRAGMA quick_check").fetchall()
            if [tuple(row) for row in problems] != [("ok",)]:
                raise _damaged(self.path, f"its integrity check failed ({'; '.join(str(r[0]) for r in problems[:3])})")
            foreign = sorted(set(tables) - TABLES)
            columns = [row[1] for row in self._db.execute("PRAGMA table_info(events)")]
            if foreign or ("events" in tables and columns != COLUMNS):
                found = ", ".join(foreign) or f"events({', '.join(columns)})"
                expected = f"events({', '.join(COLUMNS)})"
                raise _damaged(self.path, f"it holds another schema ({found}), not this bot's {expected}")
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self.migrate()

    def migrate(self) -> list[int]:
        """Apply the versions this file lacks, in one transaction (workers starting together take turns)."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.execute(MIGRATIONS_TABLE)
            applied = {row[0] for row in self._db.execute("SELECT version FROM schema_migrations")}
            if applied and max(applied) > LATEST:
                raise _damaged(self.path, f"it was written by a newer version of the bot (schema {max(applied)}, "
                                          f"this one knows {LATEST})")
            done = []
            for migration in pending(applied):
                for statement in migration.sqlite:
                    self._db.execute(statement)
                self._db.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                                 (migration.version, migration.name, time.time()))
                done.append(migration.version)
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        if done:
            logger.info("state database %s migrated to schema %d", self.path, LATEST)
        return done

    # ---- event ids and clicks, synchronous ---------------------------------------------------------

    def claim(self, event_id: str) -> bool:
        now = self._clock()
        with self._lock:
            inserted = self._db.execute("INSERT OR IGNORE INTO events (id, at) VALUES (?, ?)", (event_id, now))
            if inserted.rowcount == 1:
                self._claims += 1
                if self._claims % PURGE_EVERY == 0:
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

    # ---- the knowledge loop, synchronous ------------------------------------------------------------

    def vote(self, vote: Vote) -> int:
        """Record a click; returns the vote now standing (1, -1, or 0 when it was taken back)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                row = self._db.execute("SELECT value FROM votes WHERE voter = ? AND answer_id = ?",
                                       (vote.voter, vote.answer_id)).fetchone()
                value = vote_after(row[0] if row else None, vote.value)
                self._db.execute(
                    "INSERT INTO votes (voter, answer_id, term, part, value, message_ts, question, at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (voter, answer_id) DO UPDATE SET"
                    " value = excluded.value, at = excluded.at, message_ts = excluded.message_ts",
                    (vote.voter, vote.answer_id, vote.term, vote.part, value, vote.message_ts, vote.question,
                     self._clock()))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return value

    def note(self, voter: str, answer_id: str, note: str) -> None:
        with self._lock:
            self._db.execute("UPDATE votes SET note = ? WHERE voter = ? AND answer_id = ?", (note, voter, answer_id))

    def unanswered(self, key: str, question: str | None, place: str) -> None:
        now = self._clock()
        with self._lock:
            self._db.execute(
                "INSERT INTO unanswered (key, place, question, count, first_seen, last_seen) VALUES (?, ?, ?, 1, ?, ?)"
                " ON CONFLICT (key, place) DO UPDATE SET count = unanswered.count + 1, last_seen = excluded.last_seen,"
                " question = excluded.question", (key, place, question, now, now))

    def withdraw(self, key: str) -> None:
        """A did-you-mean that was picked after all: it no longer counts as unanswered."""
        with self._lock:
            self._db.execute("UPDATE unanswered SET count = count - 1 WHERE rowid = (SELECT rowid FROM unanswered"
                             " WHERE key = ? AND count > 0 ORDER BY last_seen DESC LIMIT 1)", (key,))

    def answered(self, term: str) -> None:
        with self._lock:
            self._db.execute("INSERT INTO asked (term, count, last_seen) VALUES (?, 1, ?) ON CONFLICT (term)"
                             " DO UPDATE SET count = asked.count + 1, last_seen = excluded.last_seen",
                             (term, self._clock()))

    def suggest(self, suggestion: Suggestion) -> None:
        with self._lock:
            self._db.execute("INSERT INTO suggestions (term, definition, details, at) VALUES (?, ?, ?, ?)",
                             (suggestion.term, suggestion.definition, suggestion.details, self._clock()))

    def digest_turn(self, period: str) -> bool:
        with self._lock:
            inserted = self._db.execute("INSERT OR IGNORE INTO digests (period, at) VALUES (?, ?)",
                                        (period, self._clock()))
            return inserted.rowcount == 1

    def read_rows(self, since: float) -> Rows:
        with self._lock:
            db = self._db
            return Rows(
                unanswered=db.execute("SELECT key, max(question), sum(count), min(first_seen), max(last_seen) FROM"
                                      " unanswered WHERE last_seen >= ? GROUP BY key HAVING sum(count) > 0"
                                      " ORDER BY sum(count) DESC, max(last_seen) DESC", (since,)).fetchall(),
                votes=db.execute("SELECT term, part, sum(value = 1), sum(value = -1) FROM votes WHERE at >= ?"
                                 " GROUP BY term, part HAVING sum(value != 0) > 0 ORDER BY term, part",
                                 (since,)).fetchall(),
                notes=db.execute("SELECT term, part, note FROM votes WHERE at >= ? AND value = -1 AND note IS NOT NULL"
                                 " ORDER BY at DESC", (since,)).fetchall(),
                suggestions=db.execute("SELECT term, definition, details, at FROM suggestions WHERE at >= ?"
                                       " ORDER BY at DESC", (since,)).fetchall(),
                asked=db.execute("SELECT term, count, last_seen FROM asked").fetchall())

    # ---- the same calls, for the event loop ----------------------------------------------------------

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
            raise StoreUnavailable(str(exc)) from None
        except sqlite3.Error as exc:
            raise StoreUnavailable(str(exc)) from None

    async def aclaim(self, event_id: str) -> bool:
        return await self._run(self.claim, event_id)

    async def aclaim_once(self, key: str) -> bool:
        return await self._run(self.claim_once, key)

    async def adone(self, event_id: str) -> None:
        """Mark handled; a failure is logged, never raised: the reply has gone out already."""
        try:
            await self._run(self.done, event_id)
        except StoreUnavailable as exc:
            logger.warning("could not mark %s handled (%s); a retry within a minute is dropped, a later one "
                           "answered again", event_id, exc)

    async def health(self) -> str:
        try:
            return await self._run(self.check)
        except StoreBusy as exc:
            return f"busy: {exc}"
        except StoreUnavailable as exc:
            return f"damaged: {exc}"

    async def record_vote(self, vote: Vote) -> int:
        return await self._run(self.vote, vote)

    async def note_vote(self, voter: str, answer_id: str, note: str) -> None:
        await self._run(self.note, voter, answer_id, note)

    async def record_unanswered(self, key: str, question: str | None, place: str) -> None:
        await self._run(self.unanswered, key, question, place)

    async def withdraw_unanswered(self, key: str) -> None:
        await self._run(self.withdraw, key)

    async def record_answered(self, term: str) -> None:
        await self._run(self.answered, term)

    async def add_suggestion(self, suggestion: Suggestion) -> None:
        await self._run(self.suggest, suggestion)

    async def claim_digest(self, period: str) -> bool:
        return await self._run(self.digest_turn, period)

    async def rows(self, since: float) -> Rows:
        return await self._run(self.read_rows, since)

    async def start(self) -> None:
        """Nothing to do: the file was opened, checked and migrated when this object was made."""

    async def aclose(self) -> None:
        self.close()
