"""The engine: a question in, an Answer (plain data) out, following the intents' fallback order."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.bounded import remembered
from bot.cache import TermCache, index_file
from bot.content import Block, Glossary, Paragraph, Slug, Term
from bot.importer import page_format_for
from bot.intents import DEFINITION, load_intents
from bot.loader import load_glossary
from bot.matcher import Match, Matcher
from bot.parts import DEFINITION_REF, PartRef

EXAMPLE_ANCHOR = "#worked-example"
# Channel listening answers only plain questions ("what is X?", "what does X mean", "define X"),
# at most this long, naming the term exactly (no typo) with a clear part.
QUESTION_RE = re.compile(r"\?\s*$|^\s*(what|whats|what's|why|how|define|explain|meaning)\b", re.I)
MAX_QUESTION_CHARS = 300
OVERHEARD_TERM_AT = 0.97  # a name found whole, as written
OVERHEARD_CONFIDENCE_AT = 0.9
KEPT_NEXT_PARTS = 16_384


@dataclass(frozen=True)
class Part:
    """A resolved part of a term: which content answers (`target`), under what heading, with what."""

    target: str  # the part reference answered: "faq:what-is-a-segment", "section:worked-example", "definition"
    heading: str
    body: tuple[Block, ...]


@dataclass(frozen=True)
class Option:
    """A term offered as a choice (did you mean) or suggestion, with the part the question asked for."""

    slug: Slug
    title: str
    field: str
    part: str


@dataclass(frozen=True)
class Answer:
    kind: str  # "answer", "choices" or "unknown"
    question: str
    term: Term | None = None
    part: Part | None = None
    link: str | None = None
    next_parts: tuple[tuple[str, str], ...] = ()  # (part reference, label) one could ask next
    options: tuple[Option, ...] = ()
    confidence: float = 0.0

    @property
    def answered(self) -> bool:
        return self.kind == "answer"


class Engine:
    """Glossary + intents + matcher; the one object both doors (Slack and the CLI) talk to."""

    def __init__(self, glossary: Glossary, matcher: Matcher, base_url: str | None = None):
        self.glossary = glossary
        self.matcher = matcher
        self.base_url = base_url.rstrip("/") if base_url else None
        self._next_parts: dict[tuple[Slug, str], tuple[tuple[str, str], ...]] = {}

    @classmethod
    def load(cls, content_dir: Path, intents_dir: Path, base_url: str | None = None,
             cache_dir: Path | None = None) -> Engine:
        page_format = page_format_for(intents_dir)
        cache = TermCache.for_folder(cache_dir, content_dir, repr(page_format)) if cache_dir else None
        glossary = load_glossary(content_dir, cache, page_format)
        return cls(glossary, Matcher(glossary, load_intents(intents_dir), index_file(cache_dir, content_dir)), base_url)

    def ask(self, question: str) -> Answer:
        return self.from_match(question, self.matcher.match(question))

    def overheard(self, message: str) -> Answer | None:
        """For channel listening: an answer only when the message is plainly a question about one term
        and the match is sure (exact name, clear part); None means stay silent."""
        if not QUESTION_RE.search(message[:MAX_QUESTION_CHARS]) or len(message) > MAX_QUESTION_CHARS:
            return None
        match = self.matcher.match(message)
        sure = match.term_score >= OVERHEARD_TERM_AT and match.confidence >= OVERHEARD_CONFIDENCE_AT
        if match.decision != "answer" or not sure:
            return None
        return self.from_match(message, match)

    def from_match(self, question: str, match: Match) -> Answer:
        if match.decision == "answer" and match.slug and match.part:
            return self.answer_part(match.slug, match.part, question, match.confidence)
        options = tuple(self._option(c.slug, c.part) for c in match.choices)
        return Answer(match.decision, question, options=options, confidence=match.confidence)

    def answer_part(self, slug: str, ref: str, question: str = "", confidence: float = 1.0) -> Answer:
        """The answer for a known term and part reference (also what buttons and pickers ask for).
        A part that no longer exists (the page was edited) answers the definition and says so."""
        term = self.glossary.by_slug.get(Slug(slug))
        if term is None:
            return Answer("unknown", question)
        part = self.resolve(term, PartRef.parse(ref))
        if part is None:
            definition = self.resolve(term, DEFINITION_REF)
            assert definition is not None
            part = Part(definition.target, f"{definition.heading} (the part you chose has changed)", definition.body)
        return Answer("answer", question, term, part, self.link(term), self._next_parts_kept(term, part), (),
                      confidence)

    def _next_parts_kept(self, term: Term, current: Part) -> tuple[tuple[str, str], ...]:
        """next_parts of a glossary term, worked out once per part answered (the glossary never changes)."""
        return remembered(self._next_parts, (term.slug, current.target), lambda: self.next_parts(term, current),
                          KEPT_NEXT_PARTS)

    def resolve(self, term: Term, ref: PartRef) -> Part | None:
        """The content a reference names; None when it names a part the term no longer has."""
        found = self.locate(term, ref)
        if found is None:
            return None
        if found.kind == "faq":
            entry = next(f for f in term.faq if PartRef.faq(f.question) == found)
            return self._defined(term, found, Part(str(found), entry.question, (Paragraph(entry.answer or ""),)))
        if found.kind == "section":
            section = next(s for s in term.sections if PartRef.section(s.heading) == found)
            return self._defined(term, found, Part(str(found), section.heading, section.body))
        return Part(str(DEFINITION_REF), "Definition", (Paragraph(term.definition),))

    def locate(self, term: Term, ref: PartRef) -> PartRef | None:
        """The part whose content a reference names (an answered FAQ entry, a section with a body or the
        definition), without building it; None when it names a part the term no longer has."""
        if ref.kind == "intent":
            return self.locate(term, self.matcher.passages.intent_target(term, ref.key))
        if ref.kind == "faq":
            entry = next((f for f in term.faq if PartRef.faq(f.question) == ref), None)
            if entry is None or entry.answer:
                return ref if entry else None
            unit = next(u for u in self.matcher.passages.units(term.slug) if u.ref == ref)
            return self.locate(term, PartRef.intent(next(iter(unit.intents), DEFINITION)))
        if ref.kind == "section":
            return ref if any(PartRef.section(s.heading) == ref and s.body for s in term.sections) else None
        return DEFINITION_REF

    def _defined(self, term: Term, ref: PartRef, part: Part) -> Part:
        """A part that says what the term is starts with the term's own definition, the one meaning the
        team agreed on. The page's own answer to "what is it?" goes on with its definition section, which
        explains the term in plain words: independent glossary writers expect that section's words in a
        what-is answer (every definition question of four independent sets). Nothing is said twice."""
        passages = self.matcher.passages
        serves = next((u.intents for u in passages.units(term.slug) if u.ref == ref), ())
        if DEFINITION not in serves:
            return part
        blocks = list(part.body)
        said = " ".join(_flat(b.text) for b in blocks if isinstance(b, Paragraph))
        if term.definition and _flat(term.definition) not in said:
            blocks.insert(0, Paragraph(term.definition))
            said = f"{_flat(term.definition)} {said}"
        section = self._goes_on_with(term, ref)
        for block in next((s.body for s in term.sections if PartRef.section(s.heading) == section), ()):
            if not isinstance(block, Paragraph) or _flat(block.text) not in said:
                blocks.append(block)
                said += f" {_flat(block.text)}" if isinstance(block, Paragraph) else ""
        return Part(part.target, part.heading, tuple(blocks))

    def _goes_on_with(self, term: Term, ref: PartRef) -> PartRef | None:
        """The definition section the page's own what-is answer goes on with; None for any other part."""
        passages = self.matcher.passages
        if ref.kind != "faq" or ref != passages.intent_target(term, DEFINITION):
            return None
        return passages.section_for(term, DEFINITION)

    def next_parts(self, term: Term, current: Part | None) -> tuple[tuple[str, str], ...]:
        """Other parts of the term worth offering: one per distinct piece of content, in intent order
        (a what-is answer holds its definition section, so no intent falling back to it is offered)."""
        seen: set[str] = set()
        what_is = self.matcher.passages.intent_target(term, DEFINITION)
        held = self._goes_on_with(term, what_is)

        def see(target: str) -> None:
            seen.add(target)
            if held is not None and target == str(what_is):
                seen.add(str(held))

        if current:
            see(current.target)
        offered = []
        refs = [(str(PartRef.intent(i.id)), i.label) for i in self.matcher.intents]
        refs += [(str(u.ref), f.question) for u, f in zip(
            [u for u in self.matcher.passages.units(term.slug) if u.ref.kind == "faq"], term.faq, strict=True)
            if f.answer and not u.intents]
        for ref, label in refs:
            found = self.locate(term, PartRef.parse(ref))
            target = str(found) if found else None
            if target and target not in seen and (target != str(DEFINITION_REF) or
                                                  ref == str(PartRef.intent(DEFINITION))):
                see(target)
                offered.append((ref, label))
        return tuple(offered)

    def link(self, term: Term) -> str | None:
        """The term's worked example: its own `url`, else GLOSSARY_BASE_URL/slug; None when neither."""
        if term.url:
            return term.url.split("#")[0] + EXAMPLE_ANCHOR
        return f"{self.base_url}/{term.slug}{EXAMPLE_ANCHOR}" if self.base_url else None

    def _option(self, slug: Slug, part: str) -> Option:
        term = self.glossary.by_slug[slug]
        return Option(slug, term.title, term.field, part)


def _flat(text: str) -> str:
    return " ".join(text.casefold().split()).rstrip(".")
