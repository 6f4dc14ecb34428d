"""Help, the A–Z list, App Home and "explain terms": within Slack's limits at any glossary size."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answer import Engine
from bot.loader import load_glossary
from bot.slack.ids import HOME_LETTER, LIST_PAGE
from bot.views import explain_blocks, help_blocks, home_view, list_blocks
from tests.bench.synth import write_glossary
from tests.conftest import INTENTS
from tests.helpers import assert_valid_blocks


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    directory = tmp_path_factory.mktemp("big")
    write_glossary(directory, 4000)  # titles alone fill more than one 50-block message
    return Engine.load(directory, INTENTS)


def test_small_glossary_home_shows_every_term_on_one_page(engine: Engine) -> None:
    view = home_view(engine.glossary)
    assert_valid_blocks(view["blocks"], 100, at_least=1)
    text = "".join(b["text"]["text"] for b in view["blocks"] if b["type"] == "section")
    assert all(t.title.split(" (")[0] in text for t in engine.glossary.terms)
    assert not any(b["type"] == "actions" for b in view["blocks"])


def test_large_glossary_home_pages_by_letter_within_100_blocks(big: Engine) -> None:
    view = home_view(big.glossary)
    assert_valid_blocks(view["blocks"], 100, at_least=1)
    letters = [e["value"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]
               if e["action_id"].startswith(HOME_LETTER)]
    assert letters == sorted({t.title[0].upper() for t in big.glossary.terms})
    for letter in letters:
        page, pages, shown = 0, 1, 0
        while page < pages:
            blocks = home_view(big.glossary, letter, page)["blocks"]
            assert_valid_blocks(blocks, 100, at_least=1)
            heading = next(b["text"]["text"] for b in blocks if b["type"] == "section" and
                           b["text"]["text"].startswith(f"*{letter}*"))
            pages = int(heading.split(" of ")[1].rstrip(")")) if " of " in heading else 1
            shown += sum(b["text"]["text"].count("\n• ") + 1 for b in blocks if b["type"] == "section"
                         and b["text"]["text"].startswith("• "))
            page += 1
        assert shown == sum(t.title[0].upper() == letter for t in big.glossary.terms)


def test_list_pages_every_term_within_50_blocks(big: Engine) -> None:
    text, first = list_blocks(big.glossary)
    assert text == "Glossary: 4000 terms"
    assert_valid_blocks(first, 50, at_least=1)
    pages = int(first[0]["text"]["text"].split(" of ")[1].rstrip(")"))
    assert pages > 1
    assert [e["action_id"] for e in first[-2]["elements"]] == [f"{LIST_PAGE}_next"]
    shown = 0
    for page in range(pages):
        _, blocks = list_blocks(big.glossary, page)
        assert_valid_blocks(blocks, 50, at_least=1)
        shown += sum(line.startswith("• ") for b in blocks if b["type"] == "section" for line in
                     b["text"]["text"].splitlines())
    assert shown == 4000


def test_explain_lists_at_most_fifteen_terms_and_says_how_many_more(big: Engine) -> None:
    slugs = [t.slug for t in big.glossary.terms[:40]]
    _, blocks = explain_blocks([big.answer_part(s, "intent:definition") for s in slugs])
    assert_valid_blocks(blocks, 50, at_least=1)
    assert blocks[-1]["elements"][0]["text"] == "…and 25 more."


def test_explain_with_no_terms_says_so(engine: Engine) -> None:
    assert explain_blocks([])[0] == "No glossary terms found in that message."


def test_help_names_every_way_to_ask() -> None:
    text = help_blocks("/glossary")[1][0]["text"]["text"]
    for needle in ("/glossary CAC", "/glossary list", "Mention me", "Explain terms in this message"):
        assert needle in text


def test_content_with_markup_characters_is_escaped(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("title: P&L <b>\ndefinition: Profit & loss <!channel>\n")
    view = home_view(load_glossary(tmp_path))
    text = view["blocks"][-1]["text"]["text"]
    assert "P&amp;L &lt;b&gt;" in text and "&lt;!channel&gt;" in text
