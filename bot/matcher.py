"""Match a question to a term and to the part of it asked for: scored candidates on one 0-1 scale,
then one decision (answer, did-you-mean, unknown).

A term is a candidate two ways, both scored on the same scale:
- by name (bot/linker.py): how much of one of its names the question holds; what the rest of the
  question says must fit the term's page, most of all when the name is an everyday word ("Salt");
- by page (bot/page_index.py): for a question that names no term clearly, how much of it one page
  holds, in one passage, and how clearly that page beats the next.
The part is chosen by bot/passages.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal

from bot.analyzer import STOPWORDS, Token, analyze, zipf
from bot.content import Glossary, Slug, Term
from bot.fuzzy import Speller
from bot.intents import DEFINITION, Intent
from bot.linker import SHADOW_AT, TYPO_MAX_ZIPF, NameHit, NameIndex
from bot.page_index import PageIndex
from bot.passages import PartChoice, Passages, defines, detect_intent

# What a rest of the question that does not fit the page costs a name: some of the score for a
# distinctive name ("okr for interns"), nearly all of it for an everyday word ("salt in pasta water").
MISFIT_BASE, MISFIT_EVERYDAY = 0.45, 0.45
MISFIT_MASS = 0.8  # one unrelated word costs about half of that, several all of it
CONTEXT = 0.85  # what a term named only as the setting of another keeps of its score
CONTEXT_WORDS = frozenset("in inside within for during under at across".split())
ASKED_MISFIT = 0.5  # a question that asks for a part ("example", "why", "mistakes") uses the glossary sense
INTENT_WORD_WEIGHT = 0.3  # intent words ("value", "risk") still say a little about which page
PAGE_SCALE = 1.5  # the page path's evidence, on the name path's scale
SINGLE_WORD_PAGE = 0.5
PAGE_ONLY_CERTAINTY = 0.75
PAGES_BELOW = 0.5  # the page path runs only when no name is even worth offering (measured: no loss)

# The decision, calibrated on the question table and the shared corpus (python -m tests.bench.corpus).
ANSWER_AT = 0.8
CHOICES_AT = 0.5
ALONE_AT, ALONE_EVERYDAY = 0.65, 0.5  # a bare distinctive partial name, with no rival near it
SUGGEST_AT = 0.35  # an unknown question lists the nearest terms from here up
MARGIN = 0.08  # a rival this close makes the bot ask
SETTLED_AT = 0.5  # how much of the rest of the question must fit the page to settle a shared name
SETTLED_BY = 0.25  # and by how much more than it fits the other term's page
OFFER_WITHIN = 0.25  # other terms this close to the top are offered too
MAX_CHOICES = 3
WHOLE = 0.9  # a name this complete names its term whole
INLINE_WORDS, INLINE_PAGES = 3, 3  # a phrase defined in passing: up to this many words, on this many candidates
INLINE_CONFIDENCE = 0.7

Decision = Literal["answer", "choices", "unknown"]


@dataclass(frozen=True)
class TermHit:
    """A term the question may be about, with its score and the evidence behind it."""

    slug: Slug
    score: float
    name: float = 0.0  # graded share of the best name found (0 when found by its page)
    fit: float | None = None  # share of the rest of the question found on the page; None: no rest
    span: frozenset[int] = frozenset()  # question positions the name used
    body: bool = False  # named by a short form its page defines
    everyday: float = 0.0  # 0-1: how likely the name's words found are meant in their everyday sense


@dataclass(frozen=True)
class Evidence:
    """What one question brought: its words, the candidate terms best first, and the part the top one
    would answer."""

    toks: list[Token]
    hits: list[TermHit]
    part: PartChoice | None


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


class Matcher:
    """The glossary's indexes and intents; answers `match(question)`."""

    def __init__(self, glossary: Glossary, intents: tuple[Intent, ...], index_path: Path | None = None):
        """`index_path`: where the page index persists between runs (None: in memory)."""
        self.glossary = glossary
        self.intents = intents
        self._intent_by_id = {i.id: i for i in intents}
        self.pages = PageIndex(glossary, index_path)
        self.names = NameIndex(len(glossary.heads), self.pages.name_table())
        self.passages = Passages(glossary, intents, self.pages.names, self.pages.units)
        self.intent_stems = frozenset(w for i in intents for w in i.words)
        self._keywords = frozenset(w for i in intents for w in i.keywords)
        self._definition_words = frozenset(w for i in intents if i.id == DEFINITION for w in i.words)

    def intent(self, ident: str) -> Intent | None:
        return self._intent_by_id.get(ident)

    @cached_property
    def _question_speller(self) -> Speller:
        return Speller({w for i in self.intents for p in i.patterns for w in p.split()} | set(STOPWORDS) |
                       {w for i in self.intents for w in i.keywords}, min_len=4)

    def _fix_question_words(self, toks: list[Token]) -> list[Token]:
        """Typos of question words ("waht", "examlpe") read as the words meant, not as topics."""
        out = []
        for tok in toks:
            # A word the glossary's pages use is meant as written: "saml" is not "sample".
            if tok.surface not in self.names.by_word and len(tok.surface) >= 4 and zipf(tok.surface) < TYPO_MAX_ZIPF \
                    and not self.pages.doc_count(tok.stem):
                fixed = self._question_speller.correct(tok.surface)
                if fixed:
                    out.append(analyze(fixed)[0])
                    continue
            out.append(tok)
        return out

    # ---- terms ------------------------------------------------------------------------------------

    def term_candidates(self, toks: list[Token]) -> list[TermHit]:
        """Every term the question may be about, best first."""
        asks = any(t.stem in self._keywords for t in toks)
        named = self.names.find(toks)
        hits = {slug: self._with_fit(hit, toks, asks, _as_context(hit, toks, list(named.values())),
                                     [h for h in named.values() if h is not hit])
                for slug, hit in named.items()}
        if max((h.score for h in hits.values()), default=0.0) < PAGES_BELOW:  # no clear name: read the pages
            for hit in self._page_hits(toks):
                if hit.slug not in hits or hit.score > hits[hit.slug].score:
                    hits[hit.slug] = hit
        return sorted(hits.values(), key=lambda h: (-h.score, min(h.span, default=99), h.slug))

    def _rest(self, toks: list[Token], span: frozenset[int]) -> list[Token]:
        """The question's own words outside the name: not function words, not intent words."""
        return [t for i, t in enumerate(toks)
                if i not in span and t.surface not in STOPWORDS and t.stem not in self.intent_stems]

    def _with_fit(self, hit: NameHit, toks: list[Token], asks: bool, context: bool, others: list[NameHit]) -> TermHit:
        # Another term the question names fits this page when the page mentions it by any of its names:
        # "does 2fa stop phishing" fits Phishing, whose page says "MFA".
        mentioned = frozenset(toks[i].stem for other in others if other.share >= SHADOW_AT and
                              self._mentions(hit.slug, other.slug) for i in other.span)
        fit, missing = self.pages.fit(hit.slug, self._rest(toks, hit.span), mentioned)
        misfit = 0.0 if fit is None else (1 - fit) * (1 - math.exp(-missing / MISFIT_MASS)) * \
            (MISFIT_BASE + MISFIT_EVERYDAY * hit.everyday) * (ASKED_MISFIT if asks else 1.0)
        score = hit.share * (1 - misfit) * (CONTEXT if context else 1.0)
        return TermHit(hit.slug, round(score, 4), hit.share, fit, hit.span, hit.body, hit.everyday)

    def _mentions(self, slug: Slug, other: Slug) -> bool:
        vocabulary = self.pages.vocabulary(slug)
        return any(all(t.stem in vocabulary for t in name.tokens if t.content) for name in self.pages.names(other))

    def _page_hits(self, toks: list[Token]) -> list[TermHit]:
        """Terms with a passage holding the question's words, for questions that name no term clearly:
        how much of the question one passage holds counts, and how clearly that term beats the next."""
        weights: dict[str, float] = {}
        for tok in toks:
            if tok.content:
                factor = INTENT_WORD_WEIGHT if tok.stem in self.intent_stems else 1.0
                weights[tok.stem] = max(weights.get(tok.stem, 0.0), factor * self.pages.weight(tok))
        if not weights:
            return []
        # One word found on a page is weak evidence: it may say which term, not that the page answers.
        single = SINGLE_WORD_PAGE if len(weights) < 2 else 1.0
        found = [(slug, min(1.0, share * strength * single)) for slug, share, strength in self.pages.best(weights)]
        runner_up = found[1][1] if len(found) > 1 else 0.0
        clarity = [1 - runner_up / evidence / 2 if i == 0 else 0.5 for i, (_, evidence) in enumerate(found)]
        return [TermHit(slug, round(min(1.0, PAGE_SCALE * evidence * clear), 4))
                for (slug, evidence), clear in zip(found, clarity, strict=True) if evidence > 0]

    def find_terms(self, text: str) -> list[Slug]:
        """All terms a message names clearly, in reading order (for "explain terms in this message")."""
        hits = [h for h in self.names.find(analyze(text)).values() if h.share >= 0.9 and h.everyday < 0.5]
        return [h.slug for h in sorted(hits, key=lambda h: min(h.span))]

    # ---- the decision -------------------------------------------------------------------------

    def weigh(self, question: str) -> Evidence:
        """Everything the decision weighs: the candidates, best first, and the part the top one would answer."""
        toks = self._fix_question_words(analyze(question))
        hits = self.term_candidates(toks)
        if not hits:
            return Evidence(toks, hits, None)
        top = hits[0]
        term = self.glossary.by_slug[top.slug]
        # A short form the page defines ("JIT") is what the question is about: it stays in for the part.
        part = self.part(term, toks if top.body else [t for i, t in enumerate(toks) if i not in top.span])
        return Evidence(toks, hits, part)

    def match(self, question: str) -> Match:
        ev = self.weigh(question)
        found = self._decide(ev)
        return (self._defined_inline(ev) or found) if found.decision != "answer" else found

    def _defined_inline(self, ev: Evidence) -> Match | None:
        """"What's a backfill?": a phrase no term is named by whole, which exactly one candidate page
        defines in passing ("OpenLineage, an open standard…"), is answered from that part."""
        if not ev.hits or ev.hits[0].name >= WHOLE:
            return None
        words = [t for t in ev.toks if t.content and t.stem not in self._definition_words]
        frame = [t for t in ev.toks if t not in words]  # "what's a …"
        if not 1 <= len(words) <= INLINE_WORDS or detect_intent(self.intents, frame)[0] != DEFINITION:
            return None
        phrase = [t.surface for t in words]
        found = [(h, ref) for h in ev.hits[:INLINE_PAGES] if all(self.pages.has(h.slug, t.stem) for t in words)
                 and (ref := defines(self.glossary.by_slug[h.slug], phrase)) is not None]
        if len(found) != 1:
            return None
        hit, ref = found[0]
        return Match("answer", hit.slug, str(ref), confidence=INLINE_CONFIDENCE, term_score=hit.score)

    def _decide(self, ev: Evidence) -> Match:
        hits, toks, part = ev.hits, ev.toks, ev.part
        top = hits[0] if hits else None
        if top is None or part is None or top.score < CHOICES_AT:
            near = [h for h in hits if h.score >= SUGGEST_AT][:MAX_CHOICES]
            return Match("unknown", choices=tuple(Choice(h.slug, f"intent:{DEFINITION}") for h in near))
        rivals = [h for h in hits[1:] if (_unsettled(top, h) if _shared(top, h) else
                                          h.score >= max(CHOICES_AT, top.score - MARGIN))]
        if rivals and top.score >= ANSWER_AT:
            # Terms named equally well ("sso vs mfa"): the one whose page asks this very question, a question
            # of its own rather than one every page asks ("where can I go deeper"), answers it.
            parts = {h.slug: part if h is top else self._part_of(h, toks) for h in [top, *rivals]}
            asking = [h for h in [top, *rivals] if parts[h.slug].via == "faq" and not parts[h.slug].generic]
            if len(asking) == 1:
                top, part, rivals = asking[0], parts[asking[0].slug], []
        # "What does SOC 2 mean?": a page that mentions it is no definition of it; offer, do not answer.
        offer_only = not top.name and detect_intent(self.intents, toks)[0] == DEFINITION
        # A term found by its page alone was right about half the time it was answered (tests.bench.corpus).
        confidence = round(top.score * part.certainty * (1.0 if top.name else PAGE_ONLY_CERTAINTY), 2)
        if offer_only or top.score < self._answer_at(top, hits) or rivals:
            offered = [top, *rivals, *[h for h in hits[1:] if h not in rivals and
                                       h.score >= max(CHOICES_AT, top.score - OFFER_WITHIN)]]
            choices = tuple(Choice(h.slug, str(part.ref) if h is top else self._part_for(h, toks))
                            for h in offered[:MAX_CHOICES])
            return Match("choices", choices=choices, confidence=round(confidence * 0.5, 2), term_score=top.score)
        return Match("answer", top.slug, str(part.ref), confidence=confidence, term_score=top.score,
                     part_score=part.score)

    @staticmethod
    def _answer_at(top: TermHit, hits: list[TermHit]) -> float:
        """A question that is a name and nothing more ("whats a canary", "stat sig?"), naming one term
        in words that are not everyday ones and no other term, is about that term: it needs less of the
        name than a longer question whose other words could point elsewhere."""
        second = hits[1].score if len(hits) > 1 else 0.0
        alone = bool(top.name) and top.fit is None and top.everyday < ALONE_EVERYDAY and \
            top.score - second > OFFER_WITHIN
        return ALONE_AT if alone else ANSWER_AT

    def _part_for(self, hit: TermHit, toks: list[Token]) -> str:
        """The part an offered term would answer: chosen on its own page, not borrowed from another's."""
        return str(self._part_of(hit, toks).ref)

    def _part_of(self, hit: TermHit, toks: list[Token]) -> PartChoice:
        term = self.glossary.by_slug[hit.slug]
        return self.part(term, toks if hit.body else [t for i, t in enumerate(toks) if i not in hit.span])

    def part(self, term: Term, rest: list[Token]) -> PartChoice:
        return self.passages.choose(term, rest)



def _as_context(hit: NameHit, toks: list[Token], named: list[NameHit]) -> bool:
    """A term named after a preposition, behind another term named whole, is the setting, not the
    subject: in "what is a sprint in scrum", Scrum is where the sprint is asked about."""
    start = min(hit.span, default=0)
    return start > 0 and toks[start - 1].surface in CONTEXT_WORDS and any(
        other is not hit and other.share >= SHADOW_AT and min(other.span, default=start) < start for other in named)


def _shared(top: TermHit, other: TermHit) -> bool:
    """The question names both terms by the same words ("DPA": Data processing agreement's acronym and an
    alias of Design partner)."""
    return bool(top.span) and other.span == top.span and other.name >= top.name


def _unsettled(top: TermHit, other: TermHit) -> bool:
    """A shared name is settled by the rest of the question only when the rest fits one page well and
    clearly better than the other: "send me our standard dpa" still asks which one."""
    fit, other_fit = top.fit or 0.0, other.fit or 0.0
    return fit < SETTLED_AT or fit - other_fit < SETTLED_BY
