"""Shared fixtures: the real shipped content, the fixture pages, and engines built on them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answer import Engine

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
PAGES = FIXTURES / "pages"
SEEDS = ROOT / "seeds"
INTENTS = ROOT / "intents"


@pytest.fixture(scope="session")
def engine() -> Engine:
    """The engine on the fixture pages (12 terms, loaded straight from .txt)."""
    return Engine.load(PAGES, INTENTS, base_url="https://glossary.example.com")


@pytest.fixture(scope="session")
def seed_engine() -> Engine:
    """The engine on the shipped glossary, exactly as `glossary-bot chat` runs it."""
    return Engine.load(SEEDS, INTENTS)
