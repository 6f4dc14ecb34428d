"""Markdown glossary pages (Hugo, MkDocs, Docusaurus, Jekyll): front matter, then `##` sections.

Front matter keys: title; aliases or aka; description or short_description (the definition); tags or
category; field, owner, last_reviewed, url, slug; any other key is kept under `extra`. Without a
title the first `#` heading is the title; without a definition the first paragraph is. Text before
the first `##` heading is the Overview. `## FAQ` (or any heading meaning the FAQ) with `### Question`
subheadings gives FAQ entries. Links, emphasis and Hugo shortcodes are reduced to their text."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

import yaml

from bot.content import Block, ContentError, Paragraph, Problem, Term, block_to_dict, slugify, term_from_dict
from bot.formats.page import ACRONYM_RE, PageFormat
from bot.formats.text import BULLET_RE, block_text, canonical_heading, plain, to_blocks

HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
KEYS = {  # front matter key -> term field
    "title": "title", "slug": "slug", "description": "definition", "short_description": "definition",
    "definition": "definition", "summary": "definition", "aliases": "aliases", "aka": "aliases",
    "category": "category", "tags": "tags", "field": "field", "owner": "owner",
    "last_reviewed": "last_reviewed", "url": "url",
}
OVERVIEW = "Overview"


@dataclass
class Part:
    """One `##` section (or the text before the first) with its lines and `###` subsections."""

    heading: str
    line: int
    lines: list[str] = field(default_factory=list)
    subsections: list[tuple[str, list[str]]] = field(default_factory=list)


def _front_matter(text: str, name: str) -> tuple[dict[str, Any], list[str], int]:
    """The front matter (YAML between `---` lines, or TOML between `+++`), the remaining lines, and
    how many lines the front matter took."""
    lines = text.splitlines()
    fence = lines[0].strip() if lines else ""
    if fence not in ("---", "+++"):
        return {}, lines, 0
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in (fence, "...")), None)
    if end is None:
        raise ContentError([Problem(name, f"front matter opened with {fence} is never closed", 1)])
    raw = "\n".join(lines[1:end])
    try:
        data = tomllib.loads(raw) if fence == "+++" else yaml.safe_load(raw)
    except (yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        raise ContentError([Problem(name, f"invalid front matter: {getattr(exc, 'problem', None) or exc}",
                                    line)]) from None
    if data is not None and not isinstance(data, dict):
        raise ContentError([Problem(name, "front matter must be key: value pairs", 2)])
    return data or {}, lines[end + 1:], end + 1


def split_parts(lines: list[str], first_line: int) -> tuple[str, list[Part]]:
    """The `#` title (if any) and the parts; `#` headings after the title read as `##`."""
    title, parts = "", [Part("", first_line)]
    fence = False
    for offset, line in enumerate(lines):
        if line.strip().startswith(("```", "~~~")):
            fence = not fence
        heading = None if fence else HEADING_RE.match(line)
        level = len(heading.group(1)) if heading else 0
        if heading and level == 1 and not title and not any(p.heading or p.lines for p in parts):
            title = plain(heading.group(2))
        elif heading and level <= 2:
            parts.append(Part(plain(heading.group(2)), first_line + offset))
        elif heading:
            parts[-1].subsections.append((plain(heading.group(2)), []))
        elif parts[-1].subsections:
            parts[-1].subsections[-1][1].append(line)
        else:
            parts[-1].lines.append(line)
    return title, parts


def _text_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in re.split(r"[;,]", value) if v.strip()]
    if isinstance(value, list):
        return [str(v).strip() for v in value if v is not None and str(v).strip()]
    return []


def _meta(front: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Front matter split into term fields and `extra` (everything the term has no field for)."""
    data: dict[str, Any] = {}
    extra: dict[str, str] = {}
    for key, value in front.items():
        target = KEYS.get(str(key).casefold())
        if value in (None, "", []):
            continue
        if target == "aliases":
            data.setdefault("aliases", []).extend(_text_list(value))
        elif target == "tags":
            extra["tags"] = ", ".join(_text_list(value))
        elif target and target not in data:
            data[target] = value.isoformat() if isinstance(value, dt.date) else (
                plain(value) if isinstance(value, str) else value)
        else:
            extra[str(key)] = ", ".join(_text_list(value)) if isinstance(value, list) else str(value).strip()
    if "category" not in data and "tags" in extra:
        data["category"] = extra.pop("tags")
    return data, extra


def parse_markdown(text: str, name: str, fmt: PageFormat) -> Term:
    """One term from one Markdown page; raises ContentError naming the file and line of each problem."""
    front, lines, offset = _front_matter(text, name)
    data, extra = _meta(front)
    title, parts = split_parts(lines, offset + 1)
    if title and "title" not in data:
        data["title"] = title
    elif title and plain(title).casefold() != str(data["title"]).casefold():
        parts.insert(0, Part(title, offset + 1))  # a `#` heading other than the title is a section
    if "title" not in data:
        raise ContentError([Problem(name, "no title: add `title:` to the front matter or a `# Title` line", 1)])
    data["title"] = str(data["title"])
    acronym = ACRONYM_RE.search(data["title"])
    aliases = [*data.get("aliases", []), *([acronym.group(1).strip()] if acronym else [])]
    sections, faq = _sections(parts, data, fmt, name)
    data.update(slug=data.get("slug") or slugify(data["title"]), aliases=list(dict.fromkeys(aliases)) or None,
                extra=extra or None, sections=sections, faq=faq)
    term, problems = term_from_dict({k: v for k, v in data.items() if v is not None}, name)
    if problems or term is None:
        raise ContentError(problems)
    return term


def _sections(parts: list[Part], data: dict[str, Any], fmt: PageFormat,
              name: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    sections: list[dict[str, Any]] = []
    faq: list[dict[str, str | None]] = []
    taken: set[str] = set()
    for part in parts:
        heading = canonical_heading(fmt, part.heading) if part.heading else OVERVIEW
        if heading == fmt.faq:
            body, entries = faq_entries(part)
            faq += entries
            heading = part.heading  # what is left above the first question stays, as written
        else:
            body = to_blocks(part.lines) + [b for q, sub in part.subsections for b in [Paragraph(q), *to_blocks(sub)]]
        if not part.heading and "definition" not in data:
            first = next((b for b in body if isinstance(b, Paragraph)), None)
            if first is not None:
                data["definition"] = first.text
                body.remove(first)
        if not body:
            continue
        if heading.casefold() in taken:  # "## Risks" after "## Pitfalls": kept apart, as written
            heading = part.heading or OVERVIEW
        same = next((s for s in sections if s["heading"].casefold() == heading.casefold()), None)
        if same:  # the same heading twice (text above the first heading, then "## Overview"): one section
            same["body"] += [block_to_dict(b) for b in body]
            continue
        taken.add(heading.casefold())
        sections.append({"heading": heading, "body": [block_to_dict(b) for b in body]})
    if "definition" not in data:
        first = next((b["paragraph"] for s in sections for b in s["body"] if "paragraph" in b), None)
        if first is None:
            raise ContentError([Problem(name, "no definition: add `description:` to the front matter or "
                                              "a paragraph under the title", parts[0].line)])
        data["definition"] = first
    return sections, faq


def faq_entries(part: Part) -> tuple[list[Block], list[dict[str, str | None]]]:
    """FAQ entries from `### Question` subheadings, else from lines ending in "?" (plain or bold
    question lines) with the answer below; blocks above the first question stay a section."""
    if part.subsections:
        return to_blocks(part.lines), [{"question": q, "answer": _answer(to_blocks(lines))}
                                       for q, lines in part.subsections]
    # A question line is a paragraph of its own even when its answer follows on the next line.
    body = to_blocks([piece for line in part.lines for piece in (
        ["", line, ""] if plain(line).endswith("?") and not BULLET_RE.match(line) else [line])])
    entries: list[tuple[str, list[Block]]] = []
    kept: list[Block] = []
    for block in body:
        if isinstance(block, Paragraph) and block.text.endswith("?") and len(block.text) < 200:
            entries.append((block.text, []))
        elif entries:
            entries[-1][1].append(block)
        else:
            kept.append(block)
    return kept, [{"question": q, "answer": _answer(blocks)} for q, blocks in entries]


def _answer(blocks: list[Block]) -> str | None:
    return " ".join(t for b in blocks if (t := block_text(b))) or None
