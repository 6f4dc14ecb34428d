"""Part references: which part of a term an answer, a button or a picker means, by a key that
survives edits and reloads. Typed, encoded and decoded here and nowhere else.

    intent:why            what the intent resolves to (FAQ answer, else section, else definition)
    faq:what-is-a-segment one FAQ entry, by its question's slug
    section:worked-example one section, by its heading's slug
    definition            the short definition
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.content import slugify

PartKind = Literal["intent", "faq", "section", "definition"]
_KINDS = ("intent", "faq", "section", "definition")


@dataclass(frozen=True, slots=True)  # no per-instance dict: a busy engine keeps thousands
class PartRef:
    kind: PartKind
    key: str = ""

    def __str__(self) -> str:
        return self.kind if self.kind == "definition" else f"{self.kind}:{self.key}"

    @classmethod
    def parse(cls, text: str) -> PartRef:
        """A reference from its text; anything unreadable means the definition."""
        kind, _, key = text.partition(":")
        if kind == "definition" or kind not in _KINDS or not key:
            return cls("definition")
        return cls(kind, key)  # type: ignore[arg-type]

    @classmethod
    def faq(cls, question: str) -> PartRef:
        return cls("faq", slugify(question))

    @classmethod
    def section(cls, heading: str) -> PartRef:
        return cls("section", slugify(heading))

    @classmethod
    def intent(cls, ident: str) -> PartRef:
        return cls("intent", ident)


DEFINITION_REF = PartRef("definition")
