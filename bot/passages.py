"""Which part of a term answers a question: every FAQ entry, section and the definition is a unit;
units are ranked by how much of the question's own words they hold (per block, weighted by rarity),
with the intent asked for ("why", "mistakes", "example") as a prior on the units that serve it.

The reply is the unit holding the best passage: a whole section, an FAQ answer, or the definition.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz import fuzz

from bot.analyzer import Token, analyze, content_stems, idf_factor, rarity
from bot.bounded import remembered
from bot.content import Glossary, Slug, Term, block_texts
from bot.intents import DEFINITION, Intent
from bot.names import Name, names
from bot.parts import DEFINITION_REF, PartRef
from bot.units import Unit, UnitRows, WordSet, unit_rows, word_set

INTENT_PRIOR = 0.8  # what naming the intent adds to the units that serve it
KEYWORD = 1.0  # strength of an intent named by a keyword ("mistakes")
OPENING = 0.75  # strength of an intent named by how the question opens ("when should")
PATTERN_AT = 75  # a phrasing this close (rapidfuzz ratio) to an intent pattern names the intent
EXACT_PATTERN_AT = 95  # a phrasing this close is the intent, whatever keywords it holds
FAQ_PATTERN_AT = 85  # stricter for a term's own FAQ questions: "What is a good NPS?" stays its own
FAQ_LIKE = 0.75  # a question this similar to one of the term's FAQ questions asks that question
FAQ_BONUS = 0.6
DETAIL_INTENT = "mechanics"
KEPT_TERMS = 4096  # terms whose parts are kept analysed at once
KEPT_TEXTS = 65_536  # headings and FAQ questions whose intents are kept at once
# How sure a part is, by how it was chosen (measured on the question table and the shared corpus:
# intent and FAQ choices were right 128 of 129 times; a passage chosen by the question's own words
# 35 of 42, less when the next part was close). The answer's confidence is the term's score times this.
CLEAR_LEAD = 0.3
PASSAGE_AT = 0.3  # below this share of the question's words, no passage is clearly about it
HEAD_WEIGHT = 0.5  # a word in an FAQ question or heading counts this much more than one in a body
CONTENT_MASS = 0.4  # the question's own words outweigh the intent prior once they weigh about this much


@dataclass(frozen=True)
class PartChoice:
    ref: PartRef
    score: float
    certainty: float  # 0-1, multiplies the term score into the answer's confidence
    via: str = "intent"  # how it was chosen: intent, faq, passage, fallback, open-faq
    margin: float = 1.0  # how far the chosen part led the next one
    generic: bool = True  # an FAQ question every page may ask (an intent's), not one of this page's own


def detect_intent(intents: tuple[Intent, ...], rest: list[Token], at: int = PATTERN_AT,
                  asked: bool = True) -> tuple[str | None, float]:
    """The intent a question (without its term) asks for, and how surely: a phrasing written out in
    intents.yaml almost word for word ("what problem does {term} solve"), else keywords ("problem"), else
    how an asker's question opens (`asked`; not a page's own FAQ question or heading: "When would we
    renegotiate?" is one of the page's details, not its usage), else a phrasing close enough."""
    text = " ".join(t.surface for t in rest)
    best = max(((fuzz.ratio(text, p), -n, i.id) for n, i in enumerate(intents) for p in i.patterns),
               default=(0.0, 0, "")) if text else (0.0, 0, "")
    if best[0] >= EXACT_PATTERN_AT:
        return best[2], KEYWORD
    stems = {t.stem for t in rest}
    first: dict[str, int] = {}
    for pos, tok in enumerate(rest):
        first.setdefault(tok.stem, pos)
    # Most keywords wins; on a tie, the one asked first ("example of how it is calculated" asks for the example).
    by_keywords = [(len(i.keywords & stems), -min(first[k] for k in i.keywords & stems), -n, i.id)
                   for n, i in enumerate(intents) if i.keywords & stems]
    if by_keywords:
        return max(by_keywords)[3], KEYWORD
    # How a question opens: "when should we start recruiting design partners" asks when to use them.
    opened = next((i.id for i in intents for o in i.openings if text == o or text.startswith(o + " ")), None)
    if opened and asked:
        return opened, OPENING
    return (best[2], best[0] / 100) if best[0] >= at else (None, 0.0)


class Passages:
    def __init__(self, glossary: Glossary, intents: tuple[Intent, ...],
                 names_of: Callable[[Slug], list[Name]] | None = None,
                 stored: Callable[[Slug], UnitRows | None] | None = None):
        """`names_of`: a term's names by slug (default: found now; the matcher passes those the index kept);
        `stored`: a term's unit rows as the page index keeps them (default: analysed now)."""
        self.glossary, self.intents = glossary, intents
        self._intent_keywords = frozenset(w for i in intents for w in i.keywords)
        self._names_of = names_of or (lambda slug: names(glossary.by_slug[slug]))
        self._stored = stored
        self._units: dict[Slug, tuple[Unit, ...]] = {}
        # Pure functions of the intents and a text, which recurs across pages ("Worked example", "why does matter").
        self._kept_heading_intents: dict[str, tuple[str, ...]] = {}
        self._kept_faq_intents: dict[tuple[Token, ...], str | None] = {}

    def _heading_intents(self, heading: str) -> tuple[str, ...]:
        """The intents a section serves, in intents.yaml's order: listed by name there, else named by its
        words ("Why it matters" → why, "Risks" → pitfalls, "Examples" → example)."""
        listed = tuple(i.id for i in self.intents if heading.casefold() in (s.casefold() for s in i.sections))
        if listed:
            return listed
        found, _ = detect_intent(self.intents, analyze(heading), at=101, asked=False)
        return _just(found)

    def units(self, slug: Slug) -> tuple[Unit, ...]:
        """A term's units, built on first use and kept per instance (bounded), so a dropped engine
        frees them."""
        return remembered(self._units, slug, lambda: self._build_units(slug), KEPT_TERMS)

    def _build_units(self, slug: Slug) -> tuple[Unit, ...]:
        raw = self._stored(slug) if self._stored else None
        if raw is None:
            raw = unit_rows(self.glossary.by_slug[slug], self._names_of(slug))
        out = []
        for row in raw:
            if row[0] == "faq":
                _, question, rest_pairs, body, answered = row
                rest = [Token(surface, stem) for surface, stem in rest_pairs]
                intent = self._faq_intent_kept(rest)
                out.append(Unit(PartRef.faq(question), word_set(t.stem for t in rest if t.content),
                                (word_set(body),) if body is not None else (),
                                _just(intent),
                                " ".join(t.surface for t in rest if t.content), answered))
            elif row[0] == "section":
                _, heading, head, blocks = row
                out.append(Unit(PartRef.section(heading), word_set(head), tuple(word_set(b) for b in blocks),
                                self._heading_intents_kept(heading)))
            else:
                out.append(Unit(DEFINITION_REF, {}, (word_set(row[1]),), _just(DEFINITION)))
        return tuple(out)

    def _heading_intents_kept(self, heading: str) -> tuple[str, ...]:
        return remembered(self._kept_heading_intents, heading, lambda: self._heading_intents(heading), KEPT_TEXTS)

    def _faq_intent_kept(self, rest: list[Token]) -> str | None:
        return remembered(self._kept_faq_intents, tuple(rest), lambda: self.faq_intent(rest), KEPT_TEXTS)

    def faq_intent(self, rest: list[Token]) -> str | None:
        """The intent one of a term's own FAQ questions belongs to (its names already removed)."""
        if not [t for t in rest if t.content]:
            return DEFINITION
        return detect_intent(self.intents, rest, at=FAQ_PATTERN_AT, asked=False)[0]

    def intent_target(self, term: Term, intent_id: str) -> PartRef:
        """The fallback order: the term's FAQ answer for the intent, else a section serving it, else
        the definition section, else the short definition."""
        for unit in self.units(term.slug):
            if unit.ref.kind == "faq" and unit.answered and intent_id in unit.intents:
                return unit.ref
        return self.section_for(term, intent_id) or self.section_for(term, DEFINITION) or DEFINITION_REF

    def section_for(self, term: Term, intent_id: str) -> PartRef | None:
        """The section with a body that serves an intent: the first its `sections` list names, else one
        whose heading names it."""
        sections = [u for u in self.units(term.slug) if u.ref.kind == "section" and u.blocks]
        intent = next((i for i in self.intents if i.id == intent_id), None)
        if intent:
            for name in intent.sections:
                wanted = PartRef.section(name)
                if any(u.ref == wanted for u in sections):
                    return wanted
        return next((u.ref for u in sections if intent_id in u.intents), None)

    def choose(self, term: Term, rest: list[Token]) -> PartChoice:
        """The part a question asks for, given its words outside the term's name. The term's field
        words ("analytics segments") chose the term; they do not choose a part."""
        field = content_stems(f"{term.field} {term.title}")
        rest = [t for t in rest if t.stem not in field]
        intent, strength = detect_intent(self.intents, rest)
        units = self.units(term.slug)
        ranked = self._rank(units, rest)
        if ranked is None:
            liked = self._faq_like(units, rest)
            if liked is not None:
                return liked
            return PartChoice(PartRef.intent(intent or DEFINITION), strength, 1.0 if strength >= 0.75 or
                              not rest else 0.9, "intent")
        # The intent asked for favours the one part the fallback order gives it (its FAQ answer, else its
        # section), not every part that could serve it.
        target = self.intent_target(term, intent) if intent else None
        prior = INTENT_PRIOR * strength
        scored = sorted(((s + prior * (u.ref == target), c, lk, u) for s, c, lk, u in ranked),
                        key=lambda x: -x[0])
        score, cover, like, best = scored[0]
        margin = score - (scored[1][0] if len(scored) > 1 else 0.0)
        if cover < PASSAGE_AT and like < FAQ_LIKE:
            return PartChoice(PartRef.intent(intent or DEFINITION), score, _sure(margin, 0.95, 0.85), "fallback",
                              margin)
        if best.answered:
            if like >= FAQ_LIKE:
                return PartChoice(best.ref, score, 1.0, "faq", margin, generic=bool(best.intents))
            return PartChoice(best.ref, score, _sure(margin, 0.88, 0.8), "passage", margin)
        certainty = 0.88
        # The page asks this question but leaves it open: the part its intent points to, or the passage
        # that best holds the question's words and the page's own wording of it. The open question's
        # intent is the asker's only when they ask it too, or when no passage holds their words:
        # "column level vs table level lineage" is a detail, though the page asks "Is column-level
        # lineage worth the effort?".
        answered = tuple(u for u in units if u.answered)
        again = self._rank(answered, [*rest, *analyze(best.question)])
        top = max(again, key=lambda x: x[0]) if again else None
        held = top is not None and top[1] >= PASSAGE_AT
        if best.intents and (intent in best.intents or not held):
            return PartChoice(self.intent_target(term, next(iter(best.intents))), score, certainty, "open-faq", margin)
        # A question the page asks about itself but does not answer is a detail: the mechanics hold it.
        ref = top[3].ref if top and held else PartRef.intent(intent or DETAIL_INTENT)
        return PartChoice(ref, score, certainty, "open-faq", margin)

    def _rank(self, units: tuple[Unit, ...], rest: list[Token]) -> list[tuple[float, float, float, Unit]] | None:
        """(score, share of the question's words in the unit's best block, FAQ likeness, unit) for
        every unit; None when the question has no words of its own (only names and intent words).

        A word on every part of the page says nothing about which part is meant, so words are
        weighted by rarity and by how few of the page's units hold them; FAQ questions and headings
        count extra (a field weight, as in BM25F)."""
        asked = {t.stem: rarity(t.surface) for t in rest if t.content and t.stem not in self._intent_keywords}
        if not asked:
            return None
        spread = {s: sum(1 for u in units if s in u.head or any(s in b for b in u.blocks)) for s in asked}
        content = {s: w * idf_factor(spread[s], len(units)) for s, w in asked.items()}
        total = sum(content.values())
        strength = 1 - math.exp(-total / CONTENT_MASS)
        text = " ".join(t.surface for t in rest if t.content)
        out = []
        for unit in units:
            in_head = sum(w for s, w in content.items() if s in unit.head) / total
            cover = max((sum(w for s, w in content.items() if s in block or s in unit.head) for block in
                         unit.blocks), default=in_head * total) / total
            like = max(fuzz.token_set_ratio(text, unit.question) / 100, _overlap(asked, unit.head)) \
                if unit.question else 0.0
            score = strength * (cover + HEAD_WEIGHT * in_head) + (FAQ_BONUS * like if like >= FAQ_LIKE else 0.0)
            out.append((score, cover, like, unit))
        return out

    def _faq_like(self, units: tuple[Unit, ...], rest: list[Token]) -> PartChoice | None:
        text = " ".join(t.surface for t in rest if t.content)
        if not text:
            return None
        best = max(((fuzz.token_set_ratio(text, u.question) / 100, u) for u in units if u.question),
                   default=(0.0, None), key=lambda x: x[0])
        if best[1] is None or best[0] < 0.9 or not best[1].answered:
            return None
        return PartChoice(best[1].ref, best[0], 1.0, "faq", generic=bool(best[1].intents))


def _just(intent: str | None) -> tuple[str, ...]:
    return (intent,) if intent else ()


# A phrase a page defines in passing: "OpenLineage, an open standard…", "a p-value: the probability…",
# "Privilege creep happens when…", "… known as a backfill". Not "X means…" ("Significant means
# important" is a mistake a page lists) and not "X (…)" ("promoters (9 and 10)").
_DEFINED_AFTER = (r"(?:,\s+(?:a|an|the)\s|\s*:\s|\s+(?:is|are)\s+(?:a|an|the|when|what|how)\s|"
                  r"\s+(?:refers\s+to|happens\s+when|stands\s+for)\s)")
_DEFINED_BEFORE = r"(?:called|known\s+as)\s+(?:an?\s+|the\s+)?"


def defines(term: Term, phrase: list[str]) -> PartRef | None:
    """The part of a term whose text defines `phrase` (its words, as typed) in passing, if one does."""
    core = r"[\s\-]+".join(re.escape(w) for w in phrase) + r"(?:e?s)?"
    found = re.compile(rf"(?<![\w-]){core}{_DEFINED_AFTER}|{_DEFINED_BEFORE}{core}(?![\w-])", re.IGNORECASE)
    for section in term.sections:
        if any(found.search(text) for block in section.body for text in block_texts(block)):
            return PartRef.section(section.heading)
    for entry in term.faq:
        if entry.answer and found.search(entry.answer):
            return PartRef.faq(entry.question)
    return None


def _overlap(asked: dict[str, float], head: WordSet) -> float:
    """Weighted Dice overlap of a question's words and an FAQ question's words (stems)."""
    if not head:
        return 0.0
    shared = sum(w for s, w in asked.items() if s in head)
    return 2 * shared / (sum(asked.values()) + sum(rarity(s) for s in head))


def _sure(margin: float, clear: float, close: float) -> float:
    return clear if margin >= CLEAR_LEAD else close
