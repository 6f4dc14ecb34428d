"""A term's page as units — every FAQ entry, section and the definition — analysed once: the page
index stores a term's unit rows when it indexes the term's text, so answering reads them back
instead of analysing the page again (bot/passages.py ranks them)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.analyzer import analyze_plain, content_stems
from bot.content import Term, block_texts
from bot.names import Name
from bot.parts import PartRef

# A set of word stems kept as a dict's keys, read only with `in` and never changed once made. A busy
# engine keeps thousands of them, and a dict that holds only strings is no work for Python's cyclic
# collector, which walks every frozenset at each young collection: measured at 10,000 terms, those
# pauses fell from 1.65 to 1.1 ms.
WordSet = dict[str, None]


def word_set(stems: Iterable[str]) -> WordSet:
    return dict.fromkeys(stems)


@dataclass(frozen=True, eq=False, slots=True)  # by identity: its word sets are dicts, which do not hash
class Unit:
    ref: PartRef
    head: WordSet  # stems of the FAQ question or heading
    blocks: tuple[WordSet, ...]  # stems of each paragraph, bullet, table row (FAQ: the answer)
    intents: tuple[str, ...]  # the intents it serves, in intents.yaml's order
    question: str = ""  # an FAQ question's words without the term's names
    answered: bool = True


# A term's units as analysed text, before any intent is read into them (so they keep while intents.yaml
# changes): ["faq", question, [[surface, stem], ...] of the question without the term's names,
# answer stems or None, answered], ["section", heading, heading stems, [stems of each block]],
# ["definition", stems]. JSON-ready: the page index stores them, so a page is analysed once.
UnitRows = list[list[Any]]


def unit_rows(term: Term, found: list[Name]) -> UnitRows:
    # A term's names and field words name the term: "What is a segment in analytics?" is "what is".
    masked = frozenset(t.stem for n in found for t in n.tokens) | content_stems(term.field)
    rows: UnitRows = []
    for entry in term.faq:
        rest = [t for t in analyze_plain(entry.question) if t.stem not in masked]
        body = sorted(content_stems(entry.answer)) if entry.answer else None
        rows.append(["faq", entry.question, [[t.surface, t.stem] for t in rest], body, entry.answer is not None])
    for section in term.sections:
        blocks = [sorted(content_stems(text)) for block in section.body for text in block_texts(block)]
        rows.append(["section", section.heading, sorted(content_stems(section.heading)), blocks])
    rows.append(["definition", sorted(content_stems(term.definition))])
    return rows
