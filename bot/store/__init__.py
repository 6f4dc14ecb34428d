"""The state store, chosen by URL (GLOSSARY_STATE_URL): `sqlite:///PATH` (the default, one host) or
`postgresql://…` (several replicas). Both offer the async interface in `bot.store.base.Store`."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from bot.store.base import BUDGET_SECONDS, Store, StoreBusy, StoreError, StoreUnavailable

__all__ = ["Store", "StoreBusy", "StoreError", "StoreUnavailable", "check_store", "is_postgres", "make_store",
           "open_store", "sqlite_path"]

SQLITE_PREFIX = "sqlite:///"


def is_postgres(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


def sqlite_path(url: str) -> Path:
    """sqlite:///relative/file.db or sqlite:////absolute/file.db, as SQLAlchemy writes them."""
    return Path(url.removeprefix(SQLITE_PREFIX))


def make_store(url: str, *, budget: float = BUDGET_SECONDS, clock: Callable[[], float] = time.time) -> Store:
    """The store at `url`. SQLite opens, checks and migrates here; PostgreSQL in `await store.start()`,
    on the event loop that will use its connections. Either raises StoreError with a sentence."""
    if is_postgres(url):
        from bot.store.postgres import PostgresStore

        return PostgresStore(url, budget=budget, clock=clock)
    from bot.store.sqlite import SqliteStore

    return SqliteStore(sqlite_path(url), clock=clock, budget=budget)


async def open_store(url: str, *, budget: float = BUDGET_SECONDS, clock: Callable[[], float] = time.time) -> Store:
    store = make_store(url, budget=budget, clock=clock)
    await store.start()
    return store


def check_store(url: str) -> None:
    """Open, check and migrate the store once, at start-up, before any worker takes a request."""
    async def check() -> None:
        await (await open_store(url)).aclose()
    asyncio.run(check())
