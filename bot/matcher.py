"""Match a question to a term and to the part of it asked for: scored candidates, then one decision."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from rapidfuzz import fuzz, process

from bot.content import Glossary, Slug, Term
from bot.fuzzy import Speller
from bot.intents import DEFINITION, Intent
from bot.normalise import tokens, words

# Thresholds, on the 0-100 scale every candidate uses.
ANSWER_AT = 85  # a term this sure is answered (one typo scores 92, a reordered title 90)
CHOICES_AT = 70  # between this and ANSWER_AT the bot asks "did you mean"
SUGGEST_AT = 60  # an unknown question lists the nearest terms only from here up
CLOSE = 5  # two different terms this close to the top are both offered
PART_AT = 60  # below this no intent is clear, and the definition is answered
FAQ_INTENT_AT = 85  # a term's FAQ question joins an intent only when phrased almost like its pattern
TYPO_COST = 8  # score lost per corrected word
MAX_CHOICES = 3
SHORT_WORD = 4  # a corrected word this short only counts inside a multi-word name
COMMON_TOKEN_LIMIT = 200  # a word in more titles than this says nothing about which term is meant

STOPWORDS = frozenset(
    "a an the of on in at to for from with by about and or but is are was were be been being do does did "
    "what whats which who whom whose when where why how that this these those it its i me my we our us "
    "you your u they them their he she his her can could would should will shall may might must have has "
    "had there here than then so if as into over under not no yes any some all just also very really hey "
    "vs versus hi hello yo please pls plz thanks thank thx ok okay bot quick question q tell give show know "
    "explain mean say said get got let lets one "
    .split()
)

PartKind = Literal["intent", "faq", "section"]
Decision = Literal["answer", "choices", "unknown"]


@dataclass(frozen=True)
class TermHit:
    """A term found in the question: where (token span), how sure, and how it was found."""

    slug: Slug
    score: float
    start: int
    end: int
    via: Literal["exact", "typo", "partial"]


@dataclass(frozen=True)
class PartHit:
    """What is asked about a term: an intent id, or one of the term's own FAQ entries or sections."""

    kind: PartKind
    key: str  # intent id, or the FAQ / section index as text
    score: float

    @property
    def ref(self) -> str:
        return f"{self.kind}:{self.key}"


@dataclass(frozen=True)
class Choice:
    slug: Slug
    part: str  # a part reference, "intent:why"


@dataclass(frozen=True)
class Match:
    decision: Decision
    slug: Slug | None = None
    part: str | None = None
    choices: tuple[Choice, ...] = ()
    confidence: float = 0.0
    term_score: float = 0.0
    part_score: float = 0.0


@dataclass(frozen=True)
class _TermInfo:
    """Per-term matching data, computed on first use so start-up stays fast for large glossaries."""

    faq_intents: tuple[str | None, ...]  # the intent each FAQ question belongs to, or None (its own)
    faq_texts: tuple[str, ...]  # FAQ questions with the term masked out
    headings: tuple[str, ...]
    context: frozenset[str]  # words of field, category and definition: tell same-titled terms apart


class Matcher:
    """The glossary's index: name tables, a typo speller and intents; answers `match(question)`."""

    def __init__(self, glossary: Glossary, intents: tuple[Intent, ...]):
        self.glossary = glossary
        self.intents = intents
        self._intent_by_id = {i.id: i for i in intents}
        self.keys: dict[str, list[Slug]] = {}
        self.title_tokens: dict[Slug, tuple[str, ...]] = {}
        self.token_terms: dict[str, list[Slug]] = {}
        self.max_len = 1
        for term in glossary.terms:
            self._index_term(term)
        self.intent_words = frozenset(w for i in intents for p in i.patterns for w in p.split()) | frozenset(
            k for i in intents for k in i.keywords)
        self.common = STOPWORDS | self.intent_words
        self._pattern_owner = [i.id for i in intents for _ in i.patterns]
        self._pattern_text = [p for i in intents for p in i.patterns]
        self._info: dict[Slug, _TermInfo] = {}

    def intent(self, ident: str) -> Intent | None:
        return self._intent_by_id.get(ident)

    def _index_term(self, term: Term) -> None:
        names = [term.title, *term.aliases]
        if "(" in term.title:  # "Customer acquisition cost (CAC)" is also found without its acronym
            names.append(term.title.split("(")[0])
        for name in names:
            toks = tokens(name)
            if not toks:
                continue
            # Keys join words without spaces, so "A/B test", "AB test" and "abtest" meet.
            slugs = self.keys.setdefault("".join(toks), [])
            if term.slug not in slugs:
                slugs.append(term.slug)
            self.max_len = max(self.max_len, len(toks))
        main = tuple(tokens(names[-1] if "(" in term.title else term.title))
        self.title_tokens[term.slug] = main
        for tok in set(main):
            self.token_terms.setdefault(tok, []).append(term.slug)

    @cached_property
    def _term_speller(self) -> Speller:
        return Speller((w for key_words in self.title_tokens.values() for w in key_words), min_len=SHORT_WORD)

    @cached_property
    def _known_words(self) -> frozenset[str]:
        return frozenset(self.token_terms) | frozenset(
            w for t in self.glossary.terms for name in t.aliases for w in tokens(name))

    @cached_property
    def _intent_speller(self) -> Speller:
        return Speller(self.intent_words)

    # ---- terms --------------------------------------------------------------------------------

    def _correct(self, toks: list[str]) -> tuple[list[str], list[bool], list[bool]]:
        """Each unknown word replaced by the glossary word one typo away, with which words were fixed
        and which fixes were of short words ("clik"): those count only inside a longer name, since
        alone "idea" would become "ideal" and "date" "rate"."""
        fixed, edited, short = [], [], []
        for tok in toks:
            fix = None
            if tok not in self._known_words and tok not in self.common:
                fix = self._term_speller.correct(tok)
            fixed.append(fix or tok)
            edited.append(fix is not None)
            short.append(fix is not None and len(tok) <= SHORT_WORD)
        return fixed, edited, short

    def term_candidates(self, toks: list[str]) -> list[TermHit]:
        """Every term named in the tokens, best first: exact and alias names, typos, partial titles."""
        fixed, edited, short = self._correct(toks)
        best: dict[Slug, TermHit] = {}
        for start in range(len(fixed)):
            for end in range(min(len(fixed), start + self.max_len), start, -1):
                slugs = self.keys.get("".join(fixed[start:end]))
                if not slugs:
                    continue
                if end - start == 1 and short[start]:
                    continue
                typos = sum(edited[start:end])
                hit_score = 100 - TYPO_COST * typos
                for slug in slugs:
                    old = best.get(slug)
                    if old is None or (hit_score, end - start) > (old.score, old.end - old.start):
                        best[slug] = TermHit(slug, hit_score, start, end, "typo" if typos else "exact")
        hits = self._drop_shadowed(list(best.values()))
        covered = {i for h in hits for i in range(h.start, h.end)}
        unshort = [tok if was_short else fix for tok, fix, was_short in zip(toks, fixed, short, strict=True)]
        hits += self._partial_hits(unshort, covered, set(best))
        return sorted(hits, key=lambda h: (-h.score, -(h.end - h.start), h.start, h.slug))

    def _drop_shadowed(self, hits: list[TermHit]) -> list[TermHit]:
        """Whole-word hits inside a longer hit lose ("segment" in "customer segment"), and hits made
        only of question words ("example", "practice") count only when nothing else was found."""
        def weak(h: TermHit) -> bool:
            return all(t in self.common for t in self.title_tokens.get(h.slug, ("",)))

        strong = [h for h in hits if not weak(h)] or hits
        return [h for h in strong if not any(
            o.start <= h.start and h.end <= o.end and (o.end - o.start) > (h.end - h.start) for o in strong)]

    def _partial_hits(self, fixed: list[str], covered: set[int], found: set[Slug]) -> list[TermHit]:
        """Titles some of whose words appear, scored by the share of the title present."""
        matched: dict[Slug, set[str]] = {}
        spans: dict[Slug, list[int]] = {}
        for i, tok in enumerate(fixed):
            if i in covered or tok in self.common:
                continue
            owners = self.token_terms.get(tok, ())
            if len(owners) > COMMON_TOKEN_LIMIT:
                continue
            for slug in owners:
                if slug not in found and len(self.title_tokens[slug]) > 1:
                    matched.setdefault(slug, set()).add(tok)
                    spans.setdefault(slug, []).append(i)
        hits = []
        for slug, present in matched.items():
            title = self.title_tokens[slug]
            share = sum(len(t) for t in title if t in present) / sum(len(t) for t in title)
            score = 90.0 if set(title) <= present else 60 + 20 * share + (5 if title[-1] in present else 0)
            hits.append(TermHit(slug, round(score, 1), min(spans[slug]), max(spans[slug]) + 1, "partial"))
        return hits

    def find_terms(self, text: str) -> list[Slug]:
        """All terms a message names outright or with one typo, in reading order (for "explain terms")."""
        hits = [h for h in self.term_candidates(tokens(text)) if h.via != "partial" and h.score >= ANSWER_AT]
        return [h.slug for h in sorted(hits, key=lambda h: h.start)]

    # ---- parts --------------------------------------------------------------------------------

    def info(self, term: Term) -> _TermInfo:
        found = self._info.get(term.slug)
        if found is None:
            mask = set(self.title_tokens[term.slug]) | {w for a in term.aliases for w in tokens(a)}
            context = frozenset(tokens(f"{term.field} {term.category} {term.definition}")) - self.common - mask
            texts = tuple(" ".join(t for t in tokens(f.question) if t not in mask) for f in term.faq)
            # The term's own field words name the term too: "What is a segment in analytics?" is "what is".
            intents = tuple(self._faq_intent([w for w in t.split() if w not in context]) for t in texts)
            found = _TermInfo(intents, texts, tuple(" ".join(words(s.heading)) for s in term.sections), context)
            self._info[term.slug] = found
        return found

    def _intent_scores(self, rest: list[str], whole_phrase: bool = False) -> list[PartHit]:
        text = " ".join(rest)
        pattern_best: dict[str, float] = {}
        scored = _scores(text, self._pattern_text, contained=not whole_phrase)
        for intent_id, (_, score, _) in zip(self._pattern_owner, scored, strict=True):
            pattern_best[intent_id] = max(pattern_best.get(intent_id, 0.0), score)
        present = set(rest)
        # A keyword beats any generic pattern ("what is the worked example" is about the example);
        # among keyword hits the closer pattern wins, by the hundredths.
        return [PartHit("intent", i.id, 100 + pattern_best[i.id] / 100 if i.keywords & present else pattern_best[i.id])
                for i in self.intents]

    def _faq_intent(self, rest: list[str]) -> str | None:
        """The intent a term's own FAQ question belongs to. Stricter than for questions: only a keyword
        or a near-whole phrase counts, so "What is a good ROAS?" stays its own question, not "what is"."""
        if not [t for t in rest if t not in STOPWORDS]:
            return DEFINITION
        top = max(self._intent_scores(rest, whole_phrase=True), key=lambda p: p.score)
        return top.key if top.score >= FAQ_INTENT_AT else None

    def part_candidates(self, term: Term, rest: list[str]) -> list[PartHit]:
        """What the words left after the term ask for, best first; a bare term asks for its definition."""
        rest = [self._intent_speller.correct(t) or t if t not in self.common else t for t in rest]
        if not [t for t in rest if t not in STOPWORDS]:
            return [PartHit("intent", DEFINITION, 100.0)]
        info, text = self.info(term), " ".join(rest)
        hits = self._intent_scores(rest)
        answered = [i for i, entry in enumerate(term.faq) if entry.answer]
        asked = {t for t in rest if t not in STOPWORDS}
        for i, (_, fuzzy_score, _) in zip(answered, _scores(text, [info.faq_texts[i] for i in answered]), strict=True):
            # Words the asker used that this FAQ question also uses ("roas vs roi" → "…the same as ROI?").
            shared = len(asked & set(info.faq_texts[i].split())) / len(asked)
            hits.append(PartHit("faq", str(i), max(fuzzy_score, 90 * shared)))
        hits += [PartHit("section", str(i), 0.9 * s) for i, (_, s, _) in
                 enumerate(_scores(text, list(info.headings)))]
        return sorted(hits, key=lambda p: -p.score)

    # ---- the decision -------------------------------------------------------------------------

    def match(self, question: str) -> Match:
        toks = tokens(question)
        hits = self._break_ties(self.term_candidates(toks), toks)
        top = hits[0] if hits else None
        if top is None or top.score < CHOICES_AT:
            near = [h for h in hits if h.score >= SUGGEST_AT][:MAX_CHOICES]
            return Match("unknown", choices=tuple(Choice(h.slug, f"intent:{DEFINITION}") for h in near))
        rest = toks[:top.start] + toks[top.end:]
        term = self.glossary.by_slug[top.slug]
        part = self._decide_part(term, rest)
        rivals = [h for h in hits[1:] if h.score >= max(top.score - CLOSE, CHOICES_AT)]
        if top.score < ANSWER_AT or rivals or (part.score < PART_AT and self._off_subject(term, rest)):
            offered = [top, *rivals, *[h for h in hits[1:] if h not in rivals and h.score >= CHOICES_AT]]
            return Match("choices", choices=tuple(Choice(h.slug, part.ref) for h in offered[:MAX_CHOICES]),
                         confidence=round(top.score / 100 * 0.5, 2), term_score=top.score)
        return Match("answer", top.slug, part.ref, confidence=round(top.score * min(part.score, 100) / 10000, 2),
                     term_score=top.score, part_score=part.score)

    def _off_subject(self, term: Term, rest: list[str]) -> bool:
        """The message names the term but asks about something else ("where is the attribution
        dashboard"): other words, none of them from the term's own field or definition."""
        context = self.info(term).context
        others = [t for t in rest if t not in self.common]
        return bool(others) and not any(t in context for t in others)

    def _decide_part(self, term: Term, rest: list[str]) -> PartHit:
        parts = self.part_candidates(term, rest)
        best = parts[0]
        return best if best.score >= PART_AT else PartHit("intent", DEFINITION, best.score)

    def _break_ties(self, hits: list[TermHit], toks: list[str]) -> list[TermHit]:
        """Same-named terms from different fields: the one whose field or definition words the question
        uses wins; when the words do not tell, both stay tied and the bot asks."""
        if len(hits) < 2 or hits[1].score != hits[0].score or (hits[1].start, hits[1].end) != (hits[0].start,
                                                                                             hits[0].end):
            return hits
        words_used = set(toks)
        tied = [h for h in hits if h.score == hits[0].score and (h.start, h.end) == (hits[0].start, hits[0].end)]
        overlap = {h.slug: len(self.info(self.glossary.by_slug[h.slug]).context & words_used) for h in tied}
        best = max(overlap.values())
        if best == 0 or list(overlap.values()).count(best) > 1:
            return hits
        winner = next(h for h in tied if overlap[h.slug] == best)
        return [winner, *[h for h in hits if h is not winner and h.slug not in overlap]]


def _scores(text: str, choices: list[str], contained: bool = True) -> list[tuple[str, float, int]]:
    """Whole-phrase similarity, or containment at a 10% discount (so exact phrasings win ties),
    for every choice in its original order."""
    if not choices:
        return []
    ratio = process.extract(text, choices, scorer=fuzz.ratio, limit=None)
    if not contained:
        return sorted(ratio, key=lambda r: r[2])
    within = {i: s for _, s, i in process.extract(text, choices, scorer=fuzz.token_set_ratio, limit=None)}
    return sorted(((c, max(s, 0.9 * within[i]), i) for c, s, i in ratio), key=lambda r: r[2])

