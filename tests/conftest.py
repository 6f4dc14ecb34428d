"""Shared fixtures: the real shipped content, the fixture pages, and engines built on them."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from bot.answer import Engine

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
PAGES = FIXTURES / "pages"
SEEDS = ROOT / "seeds"
INTENTS = ROOT / "intents"

# Commands run by the tests cache terms in a private folder, never in the user's ~/.cache.
os.environ.setdefault("GLOSSARY_CACHE_DIR", tempfile.mkdtemp(prefix="glossary-bot-test-cache-"))


@pytest.fixture(scope="session")
def engine() -> Engine:
    """The engine on the fixture pages (12 terms, loaded straight from .txt)."""
    return Engine.load(PAGES, INTENTS, base_url="https://glossary.example.com")


@pytest.fixture(scope="session")
def seed_engine() -> Engine:
    """The engine on the shipped glossary, exactly as `glossary-bot chat` runs it."""
    return Engine.load(SEEDS, INTENTS)


@pytest.fixture
def standin():
    """A local Slack Web API on 127.0.0.1 that records calls and fails on purpose."""
    from tests.slack_standin import SlackStandIn

    with SlackStandIn() as server:
        yield server


@pytest.fixture
def slack(standin, tmp_path: Path):
    """The real Bolt app in HTTP mode on 127.0.0.1, over the fixture pages, pointed at the stand-in."""
    from tests.slack_harness import SlackHarness

    harness = SlackHarness(standin, PAGES, INTENTS, tmp_path / "state.sqlite3",
                           env={"GLOSSARY_LISTEN_CHANNELS": "C9LISTEN"})
    yield harness
    harness.stop()


@pytest.fixture
def postgres_url():
    """An empty PostgreSQL database (skipped only when GLOSSARY_TEST_POSTGRES_URL is unset)."""
    from tests.pg import fresh_database

    with fresh_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def state_url(request, tmp_path: Path):
    """Each store in turn: an SQLite file, then an empty PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'state.sqlite3'}"
        return
    from tests.pg import fresh_database

    with fresh_database() as url:
        yield url
