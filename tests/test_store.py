"""Issue #11: one state store behind one async interface, SQLite or PostgreSQL, chosen by URL;
migrations at start; event ids, clicks, votes, unanswered questions, suggestions and the digest's turn."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest

from bot.store import StoreError, is_postgres, open_store
from bot.store.base import Suggestion, Vote, question_key
from bot.store.migrations import LATEST


def run(work: Callable[..., Coroutine[Any, Any, Any]], *args: Any) -> Any:
    return asyncio.run(work(*args))


async def _versions(url: str) -> list[int]:
    store = await open_store(url)
    try:
        if is_postgres(url):
            rows = await store.pool.fetch("SELECT version FROM schema_migrations ORDER BY version")  # type: ignore[attr-defined]
            return [r["version"] for r in rows]
        return [r[0] for r in store._db.execute("SELECT version FROM schema_migrations ORDER BY version")]  # type: ignore[attr-defined]
    finally:
        await store.aclose()


def test_migrations_run_at_start_once_and_are_recorded(state_url: str) -> None:
    assert run(_versions, state_url) == list(range(1, LATEST + 1))
    assert run(_versions, state_url) == list(range(1, LATEST + 1))  # a second start applies nothing


def test_an_event_log_from_before_migrations_is_migrated_keeping_its_ids(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE events (id TEXT PRIMARY KEY, at REAL NOT NULL, done INTEGER NOT NULL DEFAULT 0)")
    db.execute("INSERT INTO events VALUES ('EvOLD', 1e12, 1)")
    db.commit()
    db.close()

    async def check() -> None:
        store = await open_store(f"sqlite:///{path}")
        assert not await store.aclaim("EvOLD")  # still remembered after the migration
        await store.aclose()

    run(check)
    assert run(_versions, f"sqlite:///{path}") == list(range(1, LATEST + 1))


def test_a_store_written_by_a_newer_version_is_refused(state_url: str) -> None:
    async def newer() -> None:
        store = await open_store(state_url)
        statement = "INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 0)"
        if is_postgres(state_url):
            await store.pool.execute(statement)  # type: ignore[attr-defined]
        else:
            store._db.execute(statement)  # type: ignore[attr-defined]
        await store.aclose()

    run(newer)
    with pytest.raises(StoreError, match="newer version of the bot"):
        run(open_store, state_url)


def test_an_unreachable_postgresql_is_one_sentence() -> None:
    with pytest.raises(StoreError, match=r"postgresql://glossary:\*\*\*@127\.0\.0\.1:1/x \(GLOSSARY_STATE_URL\) "
                                         r"cannot be used"):
        run(open_store, "postgresql://glossary:secret@127.0.0.1:1/x")


def test_events_are_claimed_once_freed_after_a_crash_and_forgotten_after_the_ttl(state_url: str) -> None:
    now = [1000.0]

    async def check() -> None:
        store = await open_store(state_url, clock=lambda: now[0])
        assert await store.aclaim("a") and not await store.aclaim("a")
        await store.adone("a")
        now[0] += 120  # a claim that never finished (a crash) is taken by the retry after a minute
        assert await store.aclaim("b")
        now[0] += 61
        assert await store.aclaim("b")
        assert not await store.aclaim("a")  # done: kept for the whole TTL
        now[0] += 15 * 60
        assert await store.aclaim("a")
        assert await store.aclaim_once("click") and not await store.aclaim_once("click")
        assert await store.health() == "ok"
        await store.aclose()

    run(check)


def test_two_replicas_on_one_postgresql_claim_an_event_once(postgres_url: str) -> None:
    async def check() -> None:
        one, two = await open_store(postgres_url), await open_store(postgres_url)
        results = await asyncio.gather(*[store.aclaim("EvBOTH") for store in (one, two) for _ in range(5)])
        assert sorted(results) == [False] * 9 + [True]
        assert await one.claim_digest("2026-W48") and not await two.claim_digest("2026-W48")
        await one.aclose()
        await two.aclose()

    run(check)


def test_the_latest_vote_per_person_and_answer_wins_and_a_second_click_takes_it_back(state_url: str) -> None:
    async def check() -> None:
        store = await open_store(state_url)
        up = Vote("U1", "a1", "churn-rate", "intent:definition", 1, "1.1", "what is churn")
        assert await store.record_vote(up) == 1
        assert await store.record_vote(up) == 0  # the same button again: taken back
        assert await store.record_vote(Vote("U1", "a1", "churn-rate", "intent:definition", -1, "1.1")) == -1
        assert await store.record_vote(up) == 1  # switched
        assert await store.record_vote(Vote("U2", "a1", "churn-rate", "intent:definition", -1, "1.1")) == -1
        await store.note_vote("U2", "a1", "the example is outdated")
        rows = await store.rows(0)
        assert rows.votes == [("churn-rate", "intent:definition", 1, 1)]
        assert rows.notes == [("churn-rate", "intent:definition", "the example is outdated")]
        await store.aclose()

    run(check)


def test_unanswered_questions_are_counted_by_form_and_place_and_withdrawn_when_picked(state_url: str) -> None:
    async def check() -> None:
        store = await open_store(state_url)
        for place in ("dm", "channel", "channel"):
            await store.record_unanswered("what is kubernetes", "what is Kubernetes?", place)
        await store.record_unanswered("ad spend", "ad spend", "command")
        await store.withdraw_unanswered("ad spend")  # the did-you-mean was picked after all
        await store.add_suggestion(Suggestion("Kubernetes", "Runs containers.", ""))
        await store.record_answered("churn-rate")
        rows = await store.rows(0)
        assert [(key, question, count) for key, question, count, *_ in rows.unanswered] == [
            ("what is kubernetes", "what is Kubernetes?", 3)]
        assert [s[:3] for s in rows.suggestions] == [("Kubernetes", "Runs containers.", "")]
        assert [a[:2] for a in rows.asked] == [("churn-rate", 1)]
        await store.aclose()

    run(check)


def test_with_questions_off_only_a_digest_of_the_form_is_kept() -> None:
    key = question_key("what is kubernetes", keep_text=False)
    assert key.startswith("sha256:") and "kubernetes" not in key
    assert key == question_key("what is kubernetes", keep_text=False)
