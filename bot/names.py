"""Every name a term goes by: its title, the title without its acronym, the acronym, its aliases
(and theirs), and short forms its own text defines ("… the bill of lading (BOL) …").

One function, `names(term)`, serves the matcher, `check` and every content format alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bot.analyzer import STOPWORDS, Token, analyze, zipf
from bot.content import Bullets, Paragraph, Problem, Term

NameKind = Literal["title", "short", "acronym", "alias", "body"]

_TRAILING_PAREN = re.compile(r"^(.*\S)\s*\(([^()]{1,40})\)\s*$")
# "… words words (ABC)" in running text: an acronym-looking parenthesis, and the words before it.
_ACRONYM_IN_TEXT = re.compile(r"\(([A-Z][A-Za-z0-9&]{1,9})\)")
# "… SCIM, an open standard …", "… MDE is the smallest …": an acronym the text goes on to define.
_ACRONYM_DEFINED = re.compile(r"\b([A-Z][A-Z0-9]{1,9}s?)(?:,| is| are| stands for| means)\s+(?:an?|the)?\s*[a-z]")


@dataclass(frozen=True)
class Name:
    text: str
    kind: NameKind
    tokens: tuple[Token, ...]

    @property
    def joined(self) -> str:
        """Words without spaces, so "A/B test", "AB test" and "abtest" meet."""
        return "".join(t.surface for t in self.tokens)


def _is_acronym(text: str) -> bool:
    return " " not in text.strip() and any(c.isupper() for c in text) and len(text.strip()) <= 12


def _split_paren(text: str) -> list[tuple[str, NameKind]]:
    """"Two-factor authentication (2FA)" → the whole, the words, and the acronym."""
    found = _TRAILING_PAREN.match(text)
    if not found:
        return [(text, "alias")]
    base, inner = found.group(1).strip(), found.group(2).strip()
    if not _is_acronym(inner):  # "Clinical significance (in medicine)": a qualifier, not a name
        return [(base, "alias")]
    return [(text, "alias"), (base, "short"), (inner, "acronym")]


def _initials_match(acronym: str, words: list[str]) -> int:
    """How many trailing words the acronym abbreviates ("BOL" ← "bill of lading": 3), or 0."""
    letters = acronym.casefold().rstrip("s") if len(acronym) > 2 else acronym.casefold()
    for start in range(len(words) - 1, -1, -1):
        parts = [p for w in words[start:] for p in re.split(r"[-/]", w.casefold()) if p]
        initials = "".join(p[0] for p in parts)
        content = "".join(p[0] for p in parts if p not in STOPWORDS)
        if letters in (initials, content):
            return len(words) - start
    return 0


def defined_short_forms(text: str) -> list[tuple[str, str]]:
    """(long form, acronym) pairs a text defines: "the bill of lading (BOL)" → ("bill of lading", "BOL")."""
    pairs = []
    for found in _ACRONYM_IN_TEXT.finditer(text):
        words = text[max(0, found.start() - 120):found.start()].split()[-8:]
        n = _initials_match(found.group(1), words)
        if n:
            pairs.append((" ".join(words[-n:]), found.group(1)))
    return pairs


def defined_acronyms(text: str) -> list[str]:
    """Acronyms a text defines in apposition: "done with SCIM, an open standard" → ["SCIM"]."""
    return [found.group(1) for found in _ACRONYM_DEFINED.finditer(text) if zipf(found.group(1).casefold()) < 3]


def _body_texts(term: Term) -> list[str]:
    texts = [term.definition]
    for section in term.sections:
        for block in section.body:
            if isinstance(block, Paragraph):
                texts.append(block.text)
            elif isinstance(block, Bullets):
                texts.extend(block.items)
    return texts


def _key(text: str) -> str:
    return "".join(t.surface for t in analyze(text))


def names(term: Term) -> list[Name]:
    """The term's names, most authoritative first, without repeats."""
    raw: list[tuple[str, NameKind]] = [(term.title, "title")]
    raw += [(t, "short" if k == "alias" else k) for t, k in _split_paren(term.title) if t != term.title]
    for alias in term.aliases:
        for piece in re.split(r"\s*;\s*", alias):
            raw += [(t, "alias" if k == "short" else k) for t, k in _split_paren(piece) if t]
    own = {_key(text) for text, _ in raw}
    for text in _body_texts(term):
        for long_form, acronym in defined_short_forms(text):
            # "… the economic order quantity (EOQ) …" on its own page: the term's acronym, not a detail's.
            raw += [(acronym, "acronym")] if _key(long_form) in own else [(long_form, "body"), (acronym, "body")]
        raw += [(acronym, "body") for acronym in defined_acronyms(text)]
    out, seen = [], set()
    for text, kind in raw:
        tokens = tuple(analyze(text))
        key = _key(text)
        # "OKRs" in the text is the "OKR" already named, not a name of its own.
        if key and key not in seen and not (key.endswith("s") and key[:-1] in seen):
            seen.add(key)
            out.append(Name(text, kind, tokens))
    return out


def shared_names(terms: list[Term] | tuple[Term, ...]) -> list[Problem]:
    """Warnings for names (titles, acronyms, aliases) that several terms go by: allowed, since asking
    by such a name offers the choice, but worth knowing."""
    owners: dict[str, list[tuple[Term, Name]]] = {}
    for term in terms:
        for name in names(term):
            if name.kind != "body":
                owners.setdefault(name.joined, []).append((term, name))
    # The same title in two fields is deliberate (the field tells them apart); other sharing is worth a word.
    return [Problem(found[0][0].source, f"'{found[0][1].text}' also names " + ", ".join(
                f"'{t.title}' ({t.source})" for t, _ in found[1:]) + "; asking by it offers the choice", where="names")
            for found in owners.values() if len({t.slug for t, _ in found}) > 1 and
            not all(n.kind == "title" for _, n in found)]
