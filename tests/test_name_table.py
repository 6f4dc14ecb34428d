"""Names read from the page index answer as names held in a list did: same order, same ties."""

from __future__ import annotations

import pytest

from bot.content import Glossary, Slug, Term
from bot.intents import load_intents
from bot.matcher import Matcher
from bot.names import names
from tests.conftest import INTENTS


def _glossary(titles: list[str]) -> Glossary:
    return Glossary.of([Term(Slug(t.lower().replace(" ", "-")), t, "A definition.") for t in titles])


@pytest.mark.parametrize("titles", [["Alpha route", "Zeta rout"], ["Alpha rout", "Zeta route"]])
def test_words_that_inflect_alike_resolve_in_the_glossary_order(titles: list[str]) -> None:
    glossary = _glossary(titles)
    words: dict[str, None] = {}
    for term in glossary.terms:  # every name word, in the order the glossary first uses it
        words.update((t.surface, None) for n in names(term) for t in n.tokens)
    expected = {w + end: w for w in words if len(w) >= 4 and w.isalpha() for end in ("s", "es", "ed", "ing", "er")}
    assert Matcher(glossary, load_intents(INTENTS)).names._inflected == expected


def test_name_identities_follow_the_glossary_order() -> None:
    glossary = _glossary(["Churn rate", "Bounce rate", "Attrition rate"])
    index = Matcher(glossary, load_intents(INTENTS)).names
    slugs = [index.names[ident][0] for ident, _ in index.by_word.get("rate", ())]
    assert slugs == [t.slug for t in glossary.terms]
