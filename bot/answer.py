"""The engine: a question in, an Answer (plain data) out, following the intents' fallback order."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.cache import TermCache
from bot.content import Block, Glossary, Paragraph, Slug, Term, load_glossary
from bot.importer import page_format_for
from bot.intents import DEFINITION, load_intents
from bot.matcher import Match, Matcher

EXAMPLE_ANCHOR = "#worked-example"
# Channel listening answers only plain questions ("what is X?", "what does X mean", "define X"),
# at most this long, naming the term exactly (no typo) with a clear part.
QUESTION_RE = re.compile(r"\?\s*$|^\s*(what|whats|what's|why|how|define|explain|meaning)\b", re.I)
MAX_QUESTION_CHARS = 300
OVERHEARD_TERM_AT = 100
OVERHEARD_PART_AT = 80


@dataclass(frozen=True)
class Part:
    """A resolved part of a term: which content answers (`target`), under what heading, with what."""

    target: str  # "faq:0", "section:3" or "definition"
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

    @classmethod
    def load(cls, content_dir: Path, intents_dir: Path, base_url: str | None = None,
             cache_dir: Path | None = None) -> Engine:
        cache = TermCache.for_folder(cache_dir, content_dir) if cache_dir else None
        glossary = load_glossary(content_dir, cache, page_format_for(intents_dir))
        return cls(glossary, Matcher(glossary, load_intents(intents_dir)), base_url)

    def ask(self, question: str) -> Answer:
        return self.from_match(question, self.matcher.match(question))

    def overheard(self, message: str) -> Answer | None:
        """For channel listening: an answer only when the message is plainly a question about one term
        and the match is sure (exact name, clear part); None means stay silent."""
        if not QUESTION_RE.search(message[:MAX_QUESTION_CHARS]) or len(message) > MAX_QUESTION_CHARS:
            return None
        match = self.matcher.match(message)
        if match.decision != "answer" or match.term_score < OVERHEARD_TERM_AT or match.part_score < OVERHEARD_PART_AT:
            return None
        return self.from_match(message, match)

    def from_match(self, question: str, match: Match) -> Answer:
        if match.decision == "answer" and match.slug and match.part:
            return self.answer_part(match.slug, match.part, question, match.confidence)
        options = tuple(self._option(c.slug, c.part) for c in match.choices)
        return Answer(match.decision, question, options=options, confidence=match.confidence)

    def answer_part(self, slug: str, ref: str, question: str = "", confidence: float = 1.0) -> Answer:
        """The answer for a known term and part reference (also what buttons and pickers ask for)."""
        term = self.glossary.by_slug.get(Slug(slug))
        if term is None:
            return Answer("unknown", question)
        part = self.resolve(term, ref)
        return Answer("answer", question, term, part, self.link(term), self.next_parts(term, part), (), confidence)

    def resolve(self, term: Term, ref: str) -> Part:
        """Fallback order: the term's FAQ answer, else the intent's section, else the definition."""
        kind, _, key = ref.partition(":")
        info = self.matcher.info(term)
        if kind == "faq" and key.isdigit() and int(key) < len(term.faq):
            entry = term.faq[int(key)]
            if entry.answer:
                return Part(f"faq:{key}", entry.question, (Paragraph(entry.answer),))
            return self.resolve(term, f"intent:{info.faq_intents[int(key)] or DEFINITION}")
        if kind == "section" and key.isdigit() and int(key) < len(term.sections):
            section = term.sections[int(key)]
            return Part(f"section:{key}", section.heading, section.body)
        intent = self.matcher.intent(key) or self.matcher.intent(DEFINITION)
        assert intent is not None  # intents are validated to include the definition
        for i, entry in enumerate(term.faq):
            if entry.answer and info.faq_intents[i] == intent.id:
                return Part(f"faq:{i}", entry.question, (Paragraph(entry.answer),))
        for heading in intent.sections:
            for i, section in enumerate(term.sections):
                if section.heading.casefold() == heading.casefold() and section.body:
                    return Part(f"section:{i}", section.heading, section.body)
        return Part("definition", "Definition", (Paragraph(term.definition),))

    def next_parts(self, term: Term, current: Part | None) -> tuple[tuple[str, str], ...]:
        """Other parts of the term worth offering: one per distinct piece of content, in intent order."""
        seen = {current.target} if current else set()
        offered = []
        info = self.matcher.info(term)
        refs = [(f"intent:{i.id}", i.label) for i in self.matcher.intents]
        refs += [(f"faq:{i}", f.question) for i, f in enumerate(term.faq) if f.answer and info.faq_intents[i] is None]
        for ref, label in refs:
            target = self.resolve(term, ref).target
            if target not in seen and (target != "definition" or ref == f"intent:{DEFINITION}"):
                seen.add(target)
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
