"""Which pages hold which words: postings from word stems to terms, for two questions the matcher
asks — does the rest of a question fit this term's page, and which page holds a question that
names no term at all."""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left

from bot.analyzer import Token, content_stems, idf_factor, rarity
from bot.content import Glossary, Slug

PAGE_DF_SHARE, PAGE_DF_MIN = 0.05, 8  # words on more pages than this do not select pages
PAGE_MASS = 1.1  # evidence saturates once the words found weigh about this much
TOP_PAGES = 4


class PageIndex:
    def __init__(self, glossary: Glossary):
        self.slugs = [t.slug for t in glossary.terms]
        self.position = {slug: i for i, slug in enumerate(self.slugs)}
        self.postings: dict[str, array[int]] = {}
        for i, term in enumerate(glossary.terms):
            for word in content_stems(term.page_text()):
                posting = self.postings.get(word)
                if posting is None:
                    posting = self.postings[word] = array("I")
                posting.append(i)  # terms are visited in order, so every posting stays sorted

    def has(self, slug: Slug, stem: str) -> bool:
        posting = self.postings.get(stem)
        if posting is None:
            return False
        i = self.position[slug]
        at = bisect_left(posting, i)
        return at < len(posting) and posting[at] == i

    def weight(self, tok: Token) -> float:
        """A question word's weight against pages: rare in English, and on few of this glossary's pages
        ("note" is on every page with a worked example, so it says little)."""
        posting = self.postings.get(tok.stem)
        return rarity(tok.surface) * idf_factor(len(posting) if posting else 0, len(self.slugs))

    def fit(self, slug: Slug, rest: list[Token]) -> tuple[float | None, float]:
        """The weighted share of `rest` found on the term's page (None when there is no rest), and the
        weight of the words not found."""
        if not rest:
            return None, 0.0
        weights = [(self.weight(t), self.has(slug, t.stem)) for t in rest]
        total = sum(w for w, _ in weights)
        missing = sum(w for w, found in weights if not found)
        return (1 - missing / total if total else 1.0), missing

    def best(self, weights: dict[str, float]) -> list[tuple[Slug, float, float]]:
        """The pages holding most of the question's words: (slug, share of the words, evidence 0-1)."""
        n = len(self.slugs)
        limit = max(PAGE_DF_MIN, int(PAGE_DF_SHARE * n))
        total = sum(weights.values())
        mass: dict[int, float] = {}
        for word, weight in weights.items():
            posting = self.postings.get(word)
            if posting is None or len(posting) > limit:
                continue
            for i in posting:
                mass[i] = mass.get(i, 0.0) + weight
        top = sorted(mass.items(), key=lambda x: -x[1])[:TOP_PAGES]
        return [(self.slugs[i], m / total, 1 - math.exp(-m / PAGE_MASS)) for i, m in top]
