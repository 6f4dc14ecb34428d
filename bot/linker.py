"""Term linking: which terms a question names, and how surely, from every name a term goes by.

A name scores by how much of it the question holds, each word weighted by how much it tells (rarity
in English x distinctiveness among this glossary's names) and graded by how it was found: as
written > plural > Snowball stem > word form > typo. Whole names are found by dict look-ups of word
runs with spaces removed ("a/b test" = "ab test" = "abtest"); the work per question is bounded by
scoring only the best few names fully, whatever the glossary's size.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from functools import cached_property

from rapidfuzz.distance import OSA

from bot.analyzer import STOPWORDS, Token, base_forms, everyday, idf_factor, rarity, zipf
from bot.content import Slug
from bot.fuzzy import Speller
from bot.name_table import Lookup, Names, NameTable
from bot.names import Name

SURFACE, PLURAL, STEM, FORM, TYPO, SHORT_TYPO, PREFIX = 1.0, 0.97, 0.92, 0.86, 0.82, 0.8, 0.75
PREFIX_MIN, PREFIX_LONGEST, PREFIX_MAX_ZIPF = 3, 6, 4.0  # "auth" for "authentication", "perf"; never "pro"
SCATTERED = 0.9  # a whole name whose words are apart or reordered
BODY_NAME = 0.9  # a short form defined in the page text names the term less surely than its title
MAX_NAME_WORDS = 8
TYPO_MAX_ZIPF = 3.0  # only words rare in English are typo-corrected on their own: "lunch" is never "launch"
SHADOW_AT = 0.8  # a name this surely found hides the shorter names inside it ("rate" in "churn rate")
SCORED_NAMES = 12  # names scored fully per question: the best by a cheap first pass
COMMON_WORD_NAMES = 64  # a word in more names than this does not select names (it still counts in them)
_INFLECTIONS = ("s", "es", "ed", "ing", "er")


@dataclass(frozen=True)
class NameHit:
    slug: Slug
    share: float  # graded, weighted share of the name found
    everyday: float  # 0-1: how likely the words found are meant in their everyday sense
    span: frozenset[int]  # question positions the name used
    body: bool = False  # a short form the page defines: the question is about that passage


class NameIndex:
    def __init__(self, n_terms: int, table: NameTable):
        """`table`: every term's names, read from the page index as questions need them."""
        self.n_terms = n_terms
        self.names = Names(table)  # ident → (slug, Name)
        self.by_joined = table.by_joined  # words joined → names
        self.by_word = table.by_word  # surface, or "~" + stem → (name, word index)
        self.by_pair = table.by_pair  # two name words written as one ("multifactor")
        self.by_prefix = table.by_prefix  # the start of a long name word ("auth") → the words
        self._table = table
        self.max_len = min(MAX_NAME_WORDS, table.longest())

    @cached_property
    def _words(self) -> list[str]:
        return self._table.words()

    @cached_property
    def _speller(self) -> Speller:
        """Name words and their inflections ("salting"), each leading back to the name word."""
        return Speller({w for w in self._words if not w.isdigit()} | set(self._inflected), min_len=3)

    @cached_property
    def _inflected(self) -> dict[str, str]:
        return {w + end: w for w in self._words if len(w) >= 4 and w.isalpha() for end in _INFLECTIONS}

    @cached_property
    def _acronyms(self) -> Lookup[tuple[tuple[int, int], ...]]:
        return self._table.short

    def weight(self, tok: Token) -> float:
        """How much a name word tells: squared, so the distinctive word of a name carries it
        ("lineage" in "data lineage") and the everyday one does not ("data")."""
        df = self._table.df[tok.surface]
        return (rarity(tok.surface) * idf_factor(df, self.n_terms)) ** 2

    def find(self, toks: list[Token]) -> dict[Slug, NameHit]:
        """The terms the question names, each with its best name."""
        whole = self._whole_names(toks)
        found: dict[int, dict[int, tuple[float, int]]] = {}  # name → word index → (grade, position)
        for pos, tok in enumerate(toks):
            if tok.surface not in STOPWORDS:
                for ident, k, grade in self._word_matches(tok):
                    words = found.setdefault(ident, {})
                    if grade > words.get(k, (0.0, 0))[0]:
                        words[k] = (grade, pos)
        # A cheap first pass (the count of name words found) picks the few names worth scoring fully.
        partial = heapq.nlargest(SCORED_NAMES, (i for i in found if i not in whole),
                                 key=lambda i: (len(found[i]) / self._table.size[i], -i))
        for ident in partial:  # common words skipped above still count inside these names
            self._common_words(self.names[ident][1], found[ident], toks)
        best: dict[Slug, NameHit] = {}
        for ident in [*whole, *partial]:
            slug, name = self.names[ident]
            hit = self._whole(slug, name, *whole[ident], toks) if ident in whole else \
                self._partial(slug, name, found[ident], toks)
            if hit and (slug not in best or hit.share > best[slug].share):
                best[slug] = hit
        return {slug: hit for slug, hit in best.items() if not any(
            other.share >= SHADOW_AT and hit.span < other.span for s, other in best.items() if s != slug)}

    def _whole_names(self, toks: list[Token]) -> dict[int, tuple[float, range]]:
        whole: dict[int, tuple[float, range]] = {}
        surfaces = [t.surface for t in toks]
        for i in range(len(toks)):
            for j in range(i + 1, min(len(toks), i + self.max_len) + 1):
                key = "".join(surfaces[i:j])
                for ident in self.by_joined.get(key, ()):
                    whole.setdefault(ident, (SURFACE, range(i, j)))  # the first mention
                if key.endswith("s") and len(key) > 2:  # a plural: "kpis", "okrs"
                    for ident in self.by_joined.get(key[:-1], ()):
                        whole.setdefault(ident, (PLURAL, range(i, j)))
        return whole

    def _word_matches(self, tok: Token) -> list[tuple[int, int, float]]:
        """Where a question word occurs in names, and how; [] for a word in too many names to tell."""
        exact, stemmed = self.by_word.get(tok.surface, ()), self.by_word.get("~" + tok.stem, ())
        if len(exact) + len(stemmed) > COMMON_WORD_NAMES:
            return []
        out = [(i, k, SURFACE) for i, k in exact]
        out += [(i, k, STEM) for i, k in stemmed]
        out += [(i, k, FORM) for form in base_forms(tok.surface) for i, k in self.by_word.get(form, ())]
        out += [(i, j, SURFACE) for i, k in self.by_pair.get(tok.surface, ()) for j in (k, k + 1)]
        if not out and zipf(tok.surface) < PREFIX_MAX_ZIPF:
            out += [(i, k, PREFIX) for word in self.by_prefix.get(tok.surface, ())[:COMMON_WORD_NAMES]
                    for i, k in self.by_word.get(word, ())][:COMMON_WORD_NAMES]
        if tok.surface.endswith("s") and len(tok.surface) > 2:
            out += [(i, k, PLURAL) for i, k in self.by_word.get(tok.surface[:-1], ())]
        if not out and not tok.surface.isdigit() and zipf(tok.surface) < TYPO_MAX_ZIPF:
            fixed = self._speller.correct(tok.surface)
            fixed = self._inflected.get(fixed, fixed) if fixed else None
            short = len(tok.surface) <= 4
            meant = self.by_word.get(fixed, ()) if fixed else ()
            # As for a word typed right: one in too many names to tell selects none.
            if fixed and (not short or fixed in self._acronyms or len(fixed) > 4) and len(meant) <= COMMON_WORD_NAMES:
                out += [(i, k, SHORT_TYPO if short else TYPO) for i, k in meant]
        return out

    def _whole(self, slug: Slug, name: Name, grade: float, span: range, toks: list[Token]) -> NameHit:
        content = [t for t in name.tokens if t.surface not in STOPWORDS]
        # How everyday the words are is read from what was typed: "salted" is rarer than "salt".
        common = everyday("".join(toks[i].surface for i in span)) if len(content) <= 1 else 0.0
        return NameHit(slug, grade * (BODY_NAME if name.kind == "body" else 1.0), common, frozenset(span),
                       name.kind == "body")

    def _partial(self, slug: Slug, name: Name, got: dict[int, tuple[float, int]],
                 toks: list[Token]) -> NameHit | None:
        content = [k for k, t in enumerate(name.tokens) if t.surface not in STOPWORDS]
        got = {k: g for k, g in got.items() if k in content}
        if not got:
            return None
        self._typos_inside(name, content, got, toks)
        weights = {k: self.weight(name.tokens[k]) for k in content}
        share = sum(weights[k] * got[k][0] for k in got) / sum(weights.values())
        positions = [got[k][1] for k in sorted(got)]
        complete = len(got) == len(content)
        if complete and len(content) > 1 and (
                positions != sorted(positions) or positions[-1] - positions[0] > 2 * len(content)):
            share *= SCATTERED
        # A whole multi-word name is specific; a part of one, or a one-word name, may be an everyday word.
        common = 0.0 if complete and len(content) > 1 else \
            sum(everyday(toks[pos].surface) for _, pos in got.values()) / len(got)
        return NameHit(slug, share * (BODY_NAME if name.kind == "body" else 1.0), common, frozenset(positions),
                       name.kind == "body")

    @staticmethod
    def _common_words(name: Name, got: dict[int, tuple[float, int]], toks: list[Token]) -> None:
        for k, want in enumerate(name.tokens):
            if k in got or want.surface in STOPWORDS:
                continue
            for pos, tok in enumerate(toks):
                grade = SURFACE if tok.surface == want.surface else STEM if tok.stem == want.stem else \
                    PLURAL if tok.surface == want.surface + "s" else 0.0
                if grade:
                    got[k] = (grade, pos)
                    break

    @staticmethod
    def _typos_inside(name: Name, content: list[int], got: dict[int, tuple[float, int]],
                      toks: list[Token]) -> None:
        """Inside a name already partly found, a word one edit from the missing name word is that word,
        even an everyday one ("single sing on"); long words may be two edits off ("authentification")."""
        used = {pos for _, pos in got.values()}
        for k in content:
            if k in got:
                continue
            want = name.tokens[k].surface
            for pos, tok in enumerate(toks):
                if pos in used or tok.surface in STOPWORDS or len(tok.surface) < 3:
                    continue
                edits = OSA.distance(tok.surface, want, score_cutoff=2)
                if edits <= 1 or (edits == 2 and min(len(want), len(tok.surface)) >= 8):
                    got[k] = (TYPO, pos)
                    used.add(pos)
                    break
