"""Match a question to a term and to the part of it asked for: scored candidates on one 0-1 scale,
then one decision (answer, did-you-mean, unknown).

A term is found two ways, and both give a score on the same scale:
- by name: how much of one of its names the question holds, each word weighted by how much it tells
  (rarity in English x distinctiveness among this glossary's names), graded surface > stem > typo;
  an everyday-word name ("Salt") must also have the rest of the question fit its page;
- by page: when no name is clear, how much of the question one page's text holds.
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Literal

from bot.analyzer import STOPWORDS, Token, analyze, base_forms, content_stems, everyday, idf_factor, rarity, zipf
from bot.content import Glossary, Slug, Term
from bot.fuzzy import Speller
from bot.intents import DEFINITION, Intent
from bot.names import Name, names
from bot.passages import PartChoice, Passages

# Grades of a name word found in the question.
SURFACE, PLURAL, STEM, FORM, TYPO, SHORT_TYPO = 1.0, 0.97, 0.92, 0.86, 0.82, 0.8
SCATTERED = 0.9  # a whole name whose words are apart or reordered
BODY_NAME = 0.9  # a short form defined in the page text names the term less surely than its title
MAX_NAME_WORDS = 8
SHADOW_AT = 0.8  # a name this surely found hides the shorter names inside it
TYPO_MAX_ZIPF = 3.0  # only words rare in English are typo-corrected: "lunch" is never "launch"

# How much a rest of the question that does not fit the page costs a name: a little for a
# distinctive name ("okr for interns"), most of it for an everyday word ("salt for pasta water").
MISFIT_BASE, MISFIT_EVERYDAY = 0.45, 0.45
MISFIT_MASS = 0.8  # one unrelated word costs about half of that, several all of it

# The page path: a question naming no term is answered from a page only when one page clearly
# holds its words (strength saturates with the weight of the words found).
PAGE_SCALE, PAGE_MASS = 1.2, 1.1
PAGE_DF_SHARE, PAGE_DF_MIN = 0.05, 8  # words on more pages than this do not select pages
INTENT_WORD_WEIGHT = 0.3  # intent words ("value", "risk") still say a little about which page

# The decision, on the 0-1 scale; calibrated on the question table and the shared corpus
# (see README, "Quality").
ANSWER_AT = 0.8
CHOICES_AT = 0.5
SUGGEST_AT = 0.2  # an unknown question lists the nearest terms from here up
MARGIN = 0.08  # a rival this close makes the bot ask
MAX_CHOICES = 3
OFFER_WITHIN = 0.25  # other terms this close to the top are offered too

Decision = Literal["answer", "choices", "unknown"]


@dataclass(frozen=True)
class TermHit:
    """A term the question may be about, with its score and the evidence behind it."""

    slug: Slug
    score: float
    name: float = 0.0  # graded share of the best name found (0 when found by page only)
    fit: float | None = None  # share of the rest of the question found on the page; None: no rest
    span: frozenset[int] = frozenset()  # token positions the name used
    start: int = 0
    body: bool = False


@dataclass(frozen=True)
class Choice:
    slug: Slug
    part: str


@dataclass(frozen=True)
class Match:
    decision: Decision
    slug: Slug | None = None
    part: str | None = None
    choices: tuple[Choice, ...] = ()
    confidence: float = 0.0
    term_score: float = 0.0
    part_score: float = 0.0


@dataclass
class _NameFound:
    grades: dict[int, tuple[float, int]] = field(default_factory=dict)  # name word → (grade, position)


@dataclass(frozen=True)
class _NameHit:
    slug: Slug
    share: float  # graded share of the name found
    everyday: float  # 0-1: how likely the words found are meant in their everyday sense
    span: frozenset[int]
    body: bool = False  # found by a short form the page defines: the question is about that passage


class Matcher:
    """The glossary's index: names, page words and intents; answers `match(question)`."""

    def __init__(self, glossary: Glossary, intents: tuple[Intent, ...]):
        self.glossary = glossary
        self.intents = intents
        self._intent_by_id = {i.id: i for i in intents}
        self.names: list[tuple[Slug, Name]] = []
        self.by_joined: dict[str, list[int]] = {}
        self.by_word: dict[str, list[tuple[int, int]]] = {}  # surface or stem → (name id, word index)
        self._name_terms: dict[str, set[Slug]] = {}
        self._name_stems: dict[Slug, set[str]] = {}
        for term in glossary.terms:
            for name in names(term):
                self._add_name(term.slug, name)
        self.max_len = min(MAX_NAME_WORDS, max((len(n.tokens) for _, n in self.names), default=1))
        self.intent_stems = frozenset(w for i in intents for w in i.words)
        self.passages = Passages(glossary, intents)

    def intent(self, ident: str) -> Intent | None:
        return self._intent_by_id.get(ident)

    def _add_name(self, slug: Slug, name: Name) -> None:
        ident = len(self.names)
        self.names.append((slug, name))
        self.by_joined.setdefault(name.joined, []).append(ident)
        for k, tok in enumerate(name.tokens):
            for key in {tok.surface, "~" + tok.stem}:
                self.by_word.setdefault(key, []).append((ident, k))
            self._name_terms.setdefault(tok.surface, set()).add(slug)
            if name.kind != "body":  # a short form the page defines is what a question asks about
                self._name_stems.setdefault(slug, set()).add(tok.stem)

    # ---- index pieces built on first use -------------------------------------------------------

    @cached_property
    def _speller(self) -> Speller:
        return Speller((w for w in self._name_terms if not w.isdigit()), min_len=3)

    @cached_property
    def _acronyms(self) -> frozenset[str]:
        return frozenset(n.joined for _, n in self.names if n.kind == "acronym" or len(n.tokens) == 1)

    @cached_property
    def _postings(self) -> dict[str, array[int]]:
        """Page words → the terms whose pages hold them (for questions that name no term)."""
        out: dict[str, array[int]] = {}
        for i, term in enumerate(self.glossary.terms):
            for word in self.vocabulary(term.slug):
                out.setdefault(word, array("I")).append(i)
        return out

    @lru_cache(maxsize=4096)  # noqa: B019 (one Matcher per glossary version; bounded)
    def vocabulary(self, slug: Slug) -> frozenset[str]:
        """Every word stem on a term's page."""
        return frozenset(content_stems(self.glossary.by_slug[slug].page_text()))

    def _weight(self, tok: Token) -> float:
        """How much a name word tells: squared, so the distinctive word of a name carries it
        ("lineage" in "data lineage") and the everyday one does not ("data")."""
        df = len(self._name_terms.get(tok.surface, ()))
        return (rarity(tok.surface) * idf_factor(df, len(self.glossary.terms))) ** 2

    # ---- terms ------------------------------------------------------------------------------------

    def term_candidates(self, toks: list[Token]) -> list[TermHit]:
        """Every term the question may be about, best first."""
        by_name = self._name_hits(toks)
        hits = {slug: self._with_fit(hit, toks) for slug, hit in by_name.items()}
        for hit in self._page_hits(toks, exclude=frozenset(hits)):
            if hit.slug not in hits or hit.score > hits[hit.slug].score:
                hits[hit.slug] = hit
        return sorted(hits.values(), key=lambda h: (-h.score, h.start, h.slug))

    def _name_hits(self, toks: list[Token]) -> dict[Slug, _NameHit]:
        found: dict[int, _NameFound] = {}
        whole: dict[int, tuple[float, range]] = {}
        surfaces = [t.surface for t in toks]
        for i in range(len(toks)):  # whole names, spaces ignored: "a/b test" = "ab test" = "abtest"
            for j in range(i + 1, min(len(toks), i + self.max_len) + 1):
                key = "".join(surfaces[i:j])
                for ident in self.by_joined.get(key, ()):
                    whole[ident] = max(whole.get(ident, (0.0, range(0))), (SURFACE, range(i, j)), key=lambda x: x[0])
                if key.endswith("s") and len(key) > 2:  # a plural: "kpis", "okrs"
                    for ident in self.by_joined.get(key[:-1], ()):
                        if ident not in whole:
                            whole[ident] = (PLURAL, range(i, j))
        for pos, tok in enumerate(toks):
            if tok.surface in STOPWORDS:
                continue
            for ident, k, grade in self._word_matches(tok):
                entry = found.setdefault(ident, _NameFound())
                if grade > entry.grades.get(k, (0.0, 0))[0]:
                    entry.grades[k] = (grade, pos)
        best: dict[Slug, _NameHit] = {}
        for ident in set(found) | set(whole):
            slug, name = self.names[ident]
            hit = self._score_name(slug, name, whole.get(ident), found.get(ident))
            if hit and (slug not in best or hit.share > best[slug].share):
                best[slug] = hit
        return _drop_shadowed(best)

    def _word_matches(self, tok: Token) -> list[tuple[int, int, float]]:
        out = [(i, k, SURFACE) for i, k in self.by_word.get(tok.surface, ())]
        out += [(i, k, STEM) for i, k in self.by_word.get("~" + tok.stem, ())]
        out += [(i, k, FORM) for form in base_forms(tok.surface) for i, k in self.by_word.get(form, ())]
        if tok.surface.endswith("s") and len(tok.surface) > 2:
            out += [(i, k, PLURAL) for i, k in self.by_word.get(tok.surface[:-1], ())]
        if not out and not tok.surface.isdigit() and zipf(tok.surface) < TYPO_MAX_ZIPF:
            fixed = self._speller.correct(tok.surface)
            short = len(tok.surface) <= 4
            if fixed and (not short or fixed in self._acronyms or len(fixed) > 4):
                out += [(i, k, SHORT_TYPO if short else TYPO) for i, k in self.by_word.get(fixed, ())]
        return out

    def _score_name(self, slug: Slug, name: Name, whole: tuple[float, range] | None,
                    found: _NameFound | None) -> _NameHit | None:
        kind_factor = BODY_NAME if name.kind == "body" else 1.0
        content = [k for k, t in enumerate(name.tokens) if t.surface not in STOPWORDS]
        if whole:
            grade, span = whole
            common = everyday(name.joined) if len(content) <= 1 else 0.0
            return _NameHit(slug, grade * kind_factor, common, frozenset(span), name.kind == "body")
        if not found or not content:
            return None
        weights = {k: self._weight(name.tokens[k]) for k in content}
        got = {k: g for k, g in found.grades.items() if k in weights}
        if not got:
            return None
        share = sum(weights[k] * got[k][0] for k in got) / sum(weights.values())
        positions = [got[k][1] for k in sorted(got)]
        complete = len(got) == len(content)
        if complete and len(content) > 1 and (
                positions != sorted(positions) or positions[-1] - positions[0] > 2 * len(content)):
            share *= SCATTERED
        # A whole multi-word name is specific; a part of one, or a one-word name, may be an everyday word.
        common = 0.0 if complete and len(content) > 1 else \
            sum(everyday(name.tokens[k].surface) for k in got) / len(got)
        return _NameHit(slug, share * kind_factor, common, frozenset(positions), name.kind == "body")

    def _rest(self, toks: list[Token], span: frozenset[int]) -> list[Token]:
        """The question's own words outside the name: not function words, not intent words."""
        return [t for i, t in enumerate(toks)
                if i not in span and t.surface not in STOPWORDS and t.stem not in self.intent_stems]

    def fit(self, slug: Slug, rest: list[Token]) -> tuple[float | None, float]:
        """The share of the rest of the question found on the term's page (None: no rest), and
        the weight of the words not found."""
        if not rest:
            return None, 0.0
        vocab = self.vocabulary(slug)
        weights = [(self._page_weight(t), t.stem in vocab) for t in rest]
        total = sum(w for w, _ in weights)
        missing = sum(w for w, found in weights if not found)
        return 1 - missing / total, missing

    def _page_weight(self, tok: Token) -> float:
        """A question word's weight against pages: rare in English, and on few of this glossary's pages
        ("note" is on every page with a worked example, so it says little)."""
        posting = self._postings.get(tok.stem)
        return rarity(tok.surface) * idf_factor(len(posting) if posting else 0, len(self.glossary.terms))

    def _with_fit(self, hit: _NameHit, toks: list[Token]) -> TermHit:
        fit, missing = self.fit(hit.slug, self._rest(toks, hit.span))
        misfit = 0.0 if fit is None else \
            (1 - fit) * (1 - math.exp(-missing / MISFIT_MASS)) * (MISFIT_BASE + MISFIT_EVERYDAY * hit.everyday)
        return TermHit(hit.slug, round(hit.share * (1 - misfit), 4), hit.share, fit, hit.span, min(hit.span),
                       hit.body)

    def _page_hits(self, toks: list[Token], exclude: frozenset[Slug]) -> list[TermHit]:
        """Terms whose pages hold the question's words, for questions that name none clearly."""
        n = len(self.glossary.terms)
        limit = max(PAGE_DF_MIN, int(PAGE_DF_SHARE * n))
        weights: dict[str, float] = {}
        for tok in toks:
            if tok.content:
                factor = INTENT_WORD_WEIGHT if tok.stem in self.intent_stems else 1.0
                weights[tok.stem] = max(weights.get(tok.stem, 0.0), factor * self._page_weight(tok))
        total = sum(weights.values())
        mass: dict[int, float] = {}
        for word, weight in weights.items():
            posting = self._postings.get(word)
            if posting is None or len(posting) > limit:
                continue
            for i in posting:
                mass[i] = mass.get(i, 0.0) + weight
        out = []
        for i, m in sorted(mass.items(), key=lambda x: -x[1])[:MAX_CHOICES + 1]:
            slug = self.glossary.terms[i].slug
            # One passage holding the question's words is better evidence than words spread over a page.
            passage = self.passages.best_cover(slug, toks)
            strength = 1 - math.exp(-m / PAGE_MASS)
            out.append(TermHit(slug, round(PAGE_SCALE * strength * (m / total + passage) / 2, 4)))
        return out

    def find_terms(self, text: str) -> list[Slug]:
        """All terms a message names clearly, in reading order (for "explain terms in this message")."""
        hits = [h for h in self._name_hits(analyze(text)).values() if h.share >= 0.9 and h.everyday < 0.5]
        return [h.slug for h in sorted(hits, key=lambda h: min(h.span))]

    # ---- the decision -------------------------------------------------------------------------

    @cached_property
    def _question_speller(self) -> Speller:
        return Speller({w for i in self.intents for p in i.patterns for w in p.split()} | set(STOPWORDS) |
                       {w for i in self.intents for w in i.keywords}, min_len=4)

    def _fix_question_words(self, toks: list[Token]) -> list[Token]:
        """Typos of question words ("waht", "examlpe") read as the words meant, not as topics."""
        out = []
        for tok in toks:
            if tok.surface not in self.by_word and len(tok.surface) >= 4 and zipf(tok.surface) < TYPO_MAX_ZIPF:
                fixed = self._question_speller.correct(tok.surface)
                if fixed:
                    out.append(analyze(fixed)[0])
                    continue
            out.append(tok)
        return out

    def match(self, question: str) -> Match:
        toks = self._fix_question_words(analyze(question))
        hits = self.term_candidates(toks)
        top = hits[0] if hits else None
        if top is None or top.score < CHOICES_AT:
            near = [h for h in hits if h.score >= SUGGEST_AT][:MAX_CHOICES]
            return Match("unknown", choices=tuple(Choice(h.slug, f"intent:{DEFINITION}") for h in near))
        term = self.glossary.by_slug[top.slug]
        part = self.part(term, toks if top.body else [t for i, t in enumerate(toks) if i not in top.span])
        rivals = [h for h in hits[1:] if h.score >= top.score - MARGIN and h.score >= CHOICES_AT]
        confidence = round(top.score * part.certainty, 2)
        if top.score < ANSWER_AT or rivals:
            # Tied names first, then the next ones close enough to be worth offering.
            offered = [top, *rivals, *[h for h in hits[1:] if h not in rivals and
                                       h.score >= max(CHOICES_AT, top.score - OFFER_WITHIN)]]
            return Match("choices", choices=tuple(Choice(h.slug, str(part.ref)) for h in offered[:MAX_CHOICES]),
                         confidence=round(confidence * 0.5, 2), term_score=top.score)
        return Match("answer", top.slug, str(part.ref), confidence=confidence, term_score=top.score,
                     part_score=part.score)

    def part(self, term: Term, rest: list[Token]) -> PartChoice:
        return self.passages.choose(term, rest)

    def names_of(self, slug: Slug) -> frozenset[str]:
        """The stems of every name of a term (masked out of its FAQ questions and of questions)."""
        return frozenset(self._name_stems.get(slug, ()))


def _drop_shadowed(best: dict[Slug, _NameHit]) -> dict[Slug, _NameHit]:
    """A name inside a longer name found whole loses: "rate" in "churn rate"."""
    return {slug: hit for slug, hit in best.items() if not any(
        other.share >= SHADOW_AT and hit.span < other.span for s, other in best.items() if s != slug)}
