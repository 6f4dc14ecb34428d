"""Intents: what people ask about a term (definition, why, pitfalls…), loaded from intents/*.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.analyzer import STOPWORDS, analyze
from bot.content import ContentError, Problem
from bot.safeload import UnsafeContent, load_content_yaml

INTENT_FILE = "intents.yaml"
DEFINITION = "definition"


@dataclass(frozen=True)
class Intent:
    id: str
    label: str
    patterns: tuple[str, ...]  # normalised words, "{term}" removed
    keywords: frozenset[str]  # stems
    sections: tuple[str, ...]
    openings: tuple[str, ...] = ()  # normalised words a question opens with ("when should")

    @property
    def words(self) -> frozenset[str]:
        """Stems of the intent's own vocabulary: they ask for a part, they do not name a topic."""
        return self.keywords | frozenset(w.stem for p in self.patterns for w in analyze(p) if w.content)


def _pattern_text(pattern: str) -> str:
    return " ".join(t.surface for t in analyze(pattern.replace("{term}", " ")))


def _read_intent(raw: object, i: int, name: str, problems: list[Problem]) -> Intent | None:
    def fail(field: str, message: str) -> None:
        problems.append(Problem(name, message, where=f"intents[{i}]{field}"))

    if not isinstance(raw, dict):
        fail("", "must be a mapping with id, label, patterns, keywords, sections")
        return None
    ident, label = raw.get("id"), raw.get("label")
    if not isinstance(ident, str) or not ident.strip():
        fail(".id", "empty")
        return None
    if not isinstance(label, str) or not label.strip():
        fail(".label", "empty")
        return None
    lists = {}
    for key in ("patterns", "keywords", "sections", "openings"):
        value = raw.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            fail(f".{key}", "must be a list of non-empty texts")
            return None
        lists[key] = value
    if not lists["patterns"] and not lists["keywords"]:
        fail("", "needs patterns or keywords")
        return None
    for k, keyword in enumerate(lists["keywords"]):
        if len(analyze(keyword)) != 1:  # "eli5" reads as "eli" and "5": every number would name the intent
            fail(f".keywords[{k}]", f"{keyword!r} is not one word as the bot reads it; put it in patterns")
            return None
        if analyze(keyword)[0].surface in STOPWORDS:  # "when" opens every kind of question
            fail(f".keywords[{k}]", f"{keyword!r} is a function word the bot does not read as a topic; "
                                    "put it in patterns")
            return None
    for k, opening in enumerate(lists["openings"]):
        if not _pattern_text(opening):  # an empty opening would open every question
            fail(f".openings[{k}]", f"{opening!r} has no words the bot reads")
            return None
    return Intent(
        id=ident.strip(), label=label.strip(),
        patterns=tuple(p for p in (_pattern_text(p) for p in lists["patterns"])),
        keywords=frozenset(analyze(k)[0].stem for k in lists["keywords"]),
        sections=tuple(s.strip() for s in lists["sections"]),
        openings=tuple(_pattern_text(o) for o in lists["openings"]),
    )


def load_intents(directory: Path) -> tuple[Intent, ...]:
    """Read intents/intents.yaml; raises ContentError naming the file, entry and problem."""
    path = directory / INTENT_FILE
    name = str(path)
    try:
        data = load_content_yaml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ContentError([Problem(name, f"cannot read: {exc.strerror}")]) from None
    except UnsafeContent as exc:
        raise ContentError([Problem(name, str(exc), exc.line)]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ContentError([Problem(name, f"invalid YAML: {getattr(exc, 'problem', exc)}",
                                    mark.line + 1 if mark else None)]) from None
    if not isinstance(data, dict) or not isinstance(data.get("intents"), list):
        raise ContentError([Problem(name, "must hold a list under 'intents:'")])
    problems: list[Problem] = []
    intents = [_read_intent(raw, i, name, problems) for i, raw in enumerate(data["intents"])]
    found = [it for it in intents if it is not None]
    ids = [it.id for it in found]
    for dup in sorted({x for x in ids if ids.count(x) > 1}):
        problems.append(Problem(name, f"intent id '{dup}' is used twice", where="intents"))
    if DEFINITION not in ids:
        problems.append(Problem(name, f"an intent with id '{DEFINITION}' is required (bare terms use it)"))
    if problems:
        raise ContentError(problems)
    return tuple(found)
