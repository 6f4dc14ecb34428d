"""A fresh PostgreSQL database per test, on the server named by GLOSSARY_TEST_POSTGRES_URL.

Unset: PostgreSQL tests are skipped (a laptop without PostgreSQL). Set (as `.ci/run` does): a server
that cannot be reached FAILS the tests, so CI can never pass by skipping them."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

URL_VARIABLE = "GLOSSARY_TEST_POSTGRES_URL"


def admin_url() -> str | None:
    return os.environ.get(URL_VARIABLE) or None


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


async def _admin(url: str, statement: str) -> None:
    conn = await asyncpg.connect(url, timeout=10)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@contextmanager
def fresh_database(base: str | None = None) -> Iterator[str]:
    """Create an empty database, yield its URL, drop it afterwards."""
    base = base or admin_url()
    if base is None:
        pytest.skip(f"{URL_VARIABLE} is not set (.ci/run sets it and starts PostgreSQL)")
    name = f"glossary_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(base, f'CREATE DATABASE "{name}"'))
    try:
        yield _with_database(base, name)
    finally:
        asyncio.run(_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
