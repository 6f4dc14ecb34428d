"""The PostgreSQL store, for several replicas behind a load balancer: every replica sees the same
event ids, clicks, votes and questions. Event ids are claimed with INSERT … ON CONFLICT DO NOTHING, so
a Slack retry that lands on another replica is dropped there. asyncpg keeps it off the event loop's
critical path (no thread hop), and each call is bounded by the store's time budget."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

import asyncpg

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
)
from bot.store.migrations import LATEST, MIGRATIONS_TABLE, TABLES, pending

logger = logging.getLogger("glossary_bot.store")

T = TypeVar("T")
MIGRATION_LOCK = 0x6C6F7373617279  # pg_advisory_xact_lock key: replicas starting together migrate one at a time
CONNECT_SECONDS = 10.0


def redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)


def _refused(url: str, detail: str) -> StoreError:
    return StoreError(f"the state database {redacted(url)} (GLOSSARY_STATE_URL) cannot be used: {detail}")


class PostgresStore:
    """The same calls as the SQLite store, on a connection pool opened by `start()`."""

    def __init__(self, url: str, *, clock: Callable[[], float] = time.time, budget: float = BUDGET_SECONDS,
                 max_size: int = 10):
        self.url, self._clock, self.budget, self.max_size = url, clock, budget, max_size
        self.description = f"PostgreSQL {redacted(url)}"
        self.pool: Any = None
        self._claims = 0

    async def start(self) -> None:
        """Connect, check the schema is this bot's, and migrate; StoreError with a sentence otherwise."""
        try:
            self.pool = await asyncio.wait_for(asyncpg.create_pool(self.url, min_size=1, max_size=self.max_size,
                                                                   command_timeout=30), CONNECT_SECONDS)
        except TimeoutError:
            raise _refused(self.url, f"no answer within {CONNECT_SECONDS:g} s") from None
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise _refused(self.url, f"{type(exc).__name__}: {exc}") from None
        try:
            await self.migrate()
        except BaseException:
            await self.pool.close()
            self.pool = None
            raise

    async def migrate(self) -> list[int]:
        done: list[int] = []
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
                await conn.execute(MIGRATIONS_TABLE)
                applied = {r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")}
                if applied and max(applied) > LATEST:
                    raise _refused(self.url, f"it was written by a newer version of the bot (schema {max(applied)}, "
                                             f"this one knows {LATEST})")
                columns = [r["column_name"] for r in await conn.fetch(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
                    " AND table_name = 'events' ORDER BY ordinal_position")]
                if columns and columns != ["id", "at", "done"]:
                    raise _refused(self.url, f"it holds another schema (events({', '.join(columns)}))")
                for migration in pending(applied):
                    for statement in migration.postgres:
                        await conn.execute(statement)
                    await conn.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                                       migration.version, migration.name, time.time())
                    done.append(migration.version)
        except (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise _refused(self.url, f"{type(exc).__name__}: {exc}") from None
        if done:
            logger.info("state database %s migrated to schema %d", redacted(self.url), LATEST)
        return done

    async def _run(self, work: Callable[[Any], Awaitable[T]]) -> T:
        """One call on one pooled connection, acquiring included, within the budget."""
        async def call() -> T:
            async with self.pool.acquire() as conn:
                return await work(conn)
        try:
            return await asyncio.wait_for(call(), self.budget)
        except TimeoutError:
            raise StoreBusy(f"no answer within {self.budget:g} s") from None
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise StoreUnavailable(f"{type(exc).__name__}: {exc}") from None

    # ---- event ids and clicks --------------------------------------------------------------------------

    async def aclaim(self, event_id: str) -> bool:
        now = self._clock()

        async def claim(conn: Any) -> bool:
            inserted = await conn.execute("INSERT INTO events (id, at, done) VALUES ($1, $2, 0)"
                                          " ON CONFLICT DO NOTHING", event_id, now)
            if inserted == "INSERT 0 1":
                return True
            # Taken over only if the claim went stale (a crash) or expired; one UPDATE decides, row-locked.
            taken = await conn.execute(
                "UPDATE events SET at = $2, done = 0 WHERE id = $1 AND ((done = 0 AND at < $3) OR at < $4)",
                event_id, now, now - STALE_CLAIM_SECONDS, now - TTL_SECONDS)
            return bool(taken == "UPDATE 1")

        first = await self._run(claim)
        self._claims += 1
        if self._claims % PURGE_EVERY == 0:
            await self._run(lambda conn: conn.execute("DELETE FROM events WHERE at < $1", now - TTL_SECONDS))
        return first

    async def aclaim_once(self, key: str) -> bool:
        now = self._clock()

        async def claim(conn: Any) -> bool:
            inserted = await conn.execute("INSERT INTO events (id, at, done) VALUES ($1, $2, 1)"
                                          " ON CONFLICT DO NOTHING", key, now)
            if inserted == "INSERT 0 1":
                return True
            expired = await conn.execute("UPDATE events SET at = $2, done = 1 WHERE id = $1 AND at < $3",
                                         key, now, now - TTL_SECONDS)
            return bool(expired == "UPDATE 1")

        return await self._run(claim)

    async def adone(self, event_id: str) -> None:
        try:
            await self._run(lambda conn: conn.execute("UPDATE events SET done = 1 WHERE id = $1", event_id))
        except StoreUnavailable as exc:
            logger.warning("could not mark %s handled (%s); a retry within a minute is dropped, a later one "
                           "answered again", event_id, exc)

    async def health(self) -> str:
        try:
            tables = await self._run(lambda conn: conn.fetch(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"))
        except StoreBusy as exc:
            return f"busy: {exc}"
        except StoreUnavailable as exc:
            return f"unavailable: {exc}"
        missing = sorted(TABLES - {r["table_name"] for r in tables})
        return "ok" if not missing else f"damaged: missing table {', '.join(missing)}"

    # ---- the knowledge loop ------------------------------------------------------------------------------

    async def record_vote(self, vote: Vote) -> int:
        async def upsert(conn: Any) -> int:
            # The toggle happens in the database, row-locked: two replicas taking clicks stay consistent.
            value = await conn.fetchval(
                "INSERT INTO votes (voter, answer_id, term, part, value, message_ts, question, at)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (voter, answer_id) DO UPDATE SET"
                " value = CASE WHEN votes.value = EXCLUDED.value THEN 0 ELSE EXCLUDED.value END,"
                " at = EXCLUDED.at, message_ts = EXCLUDED.message_ts RETURNING value",
                vote.voter, vote.answer_id, vote.term, vote.part, vote.value, vote.message_ts, vote.question,
                self._clock())
            return int(value)
        return await self._run(upsert)

    async def note_vote(self, voter: str, answer_id: str, note: str) -> None:
        await self._run(lambda conn: conn.execute("UPDATE votes SET note = $3 WHERE voter = $1 AND answer_id = $2",
                                                  voter, answer_id, note))

    async def record_unanswered(self, key: str, question: str | None, place: str) -> None:
        now = self._clock()
        await self._run(lambda conn: conn.execute(
            "INSERT INTO unanswered (key, place, question, count, first_seen, last_seen) VALUES ($1, $2, $3, 1, $4, $4)"
            " ON CONFLICT (key, place) DO UPDATE SET count = unanswered.count + 1, last_seen = EXCLUDED.last_seen,"
            " question = EXCLUDED.question", key, place, question, now))

    async def withdraw_unanswered(self, key: str) -> None:
        await self._run(lambda conn: conn.execute(
            "UPDATE unanswered SET count = count - 1 WHERE (key, place) = (SELECT key, place FROM unanswered"
            " WHERE key = $1 AND count > 0 ORDER BY last_seen DESC LIMIT 1)", key))

    async def record_answered(self, term: str) -> None:
        await self._run(lambda conn: conn.execute(
            "INSERT INTO asked (term, count, last_seen) VALUES ($1, 1, $2) ON CONFLICT (term)"
            " DO UPDATE SET count = asked.count + 1, last_seen = EXCLUDED.last_seen", term, self._clock()))

    async def add_suggestion(self, suggestion: Suggestion) -> None:
        await self._run(lambda conn: conn.execute(
            "INSERT INTO suggestions (term, definition, details, at) VALUES ($1, $2, $3, $4)",
            suggestion.term, suggestion.definition, suggestion.details, self._clock()))

    async def claim_digest(self, period: str) -> bool:
        status = await self._run(lambda conn: conn.execute(
            "INSERT INTO digests (period, at) VALUES ($1, $2) ON CONFLICT DO NOTHING", period, self._clock()))
        return bool(status == "INSERT 0 1")

    async def rows(self, since: float) -> Rows:
        async def read(conn: Any) -> Rows:
            return Rows(
                unanswered=[tuple(r) for r in await conn.fetch(
                    "SELECT key, max(question), sum(count)::int, min(first_seen), max(last_seen) FROM unanswered"
                    " WHERE last_seen >= $1 GROUP BY key HAVING sum(count) > 0"
                    " ORDER BY sum(count) DESC, max(last_seen) DESC", since)],
                votes=[tuple(r) for r in await conn.fetch(
                    "SELECT term, part, count(*) FILTER (WHERE value = 1)::int, count(*) FILTER (WHERE value = -1)::int"
                    " FROM votes WHERE at >= $1 GROUP BY term, part HAVING count(*) FILTER (WHERE value != 0) > 0"
                    " ORDER BY term, part", since)],
                notes=[tuple(r) for r in await conn.fetch(
                    "SELECT term, part, note FROM votes WHERE at >= $1 AND value = -1 AND note IS NOT NULL"
                    " ORDER BY at DESC", since)],
                suggestions=[tuple(r) for r in await conn.fetch(
                    "SELECT term, definition, details, at FROM suggestions WHERE at >= $1 ORDER BY at DESC", since)],
                asked=[tuple(r) for r in await conn.fetch("SELECT term, count, last_seen FROM asked")])
        return await self._run(read)

    async def aclose(self) -> None:
        if self.pool is not None:
            await self.pool.close()
            self.pool = None
