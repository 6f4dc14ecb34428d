"""A real public glossary (54 pages of the CNCF Cloud Native Glossary, tests/fixtures/cncf) loads and
answers, from its Markdown as published and from the page format: shared acronyms, its own headings,
links between its pages."""

from __future__ import annotations

import pytest

from bot.answer import Engine
from bot.content import Paragraph
from tests.conftest import FIXTURES, INTENTS

CNCF = FIXTURES / "cncf"


@pytest.fixture(scope="module", params=["src", "pages"])
def cncf(request: pytest.FixtureRequest) -> Engine:
    return Engine.load(CNCF / str(request.param), INTENTS)


def test_every_page_loads(cncf: Engine) -> None:
    assert len(cncf.glossary.terms) == 54


def test_the_shared_acronym_offers_both_terms_and_each_full_name_answers(cncf: Engine) -> None:
    asked = cncf.ask("cd")
    assert asked.kind == "choices"
    assert {"Continuous Delivery (CD)", "Continuous Deployment (CD)"} <= {o.title for o in asked.options}
    for name in ("continuous delivery", "continuous deployment"):
        answer = cncf.ask(f"what is {name}")
        assert answer.answered and answer.term is not None and answer.term.title.casefold().startswith(name)


def test_its_own_headings_answer_what_they_say(cncf: Engine) -> None:
    what = cncf.ask("what is gitops").part
    assert what is not None and "single source of truth" in " ".join(
        b.text for b in what.body if isinstance(b, Paragraph))
    assert not any(isinstance(b, Paragraph) and b.text == "What is it?" for b in what.body)
    problem = cncf.ask("what problem does gitops solve").part
    assert problem is not None and "configuration drift" in " ".join(
        b.text for b in problem.body if isinstance(b, Paragraph))


def test_links_to_its_other_pages_keep_their_words_not_their_paths(cncf: Engine) -> None:
    text = next(t for t in cncf.glossary.terms if t.title == "Continuous Deployment (CD)").page_text()
    assert "continuous delivery" in text and "(/continuous-delivery/)" not in text
