"""The source page format (.txt): a title, a short definition, `- Key`/`- Value` metadata, known
headings (intents/headings.yaml) and a FAQ; `parse_page` reads one page into a term, losslessly."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from bot.content import (
    Block,
    Bullets,
    ContentError,
    Paragraph,
    Problem,
    Table,
    Term,
    block_to_dict,
    file_slug,
    term_from_dict,
)
from bot.paths import shipped_dir

logger = logging.getLogger("glossary_bot.importer")

MAX_HEADING_CHARS = 40
MAX_HEADING_WORDS = 5
HEADING_NEVER = set(".,;:!?()\"'`=")
ACRONYM_RE = re.compile(r"\(([A-Za-z0-9&/.\- ]{2,15})\)\s*$")
TABLE_RULE_RE = re.compile(r"^\|?(\s*:?-{3,}:?\s*\|)+\s*:?-*:?\s*\|?$")


@dataclass(frozen=True)
class PageFormat:
    """The headings and metadata keys a page may use (intents/headings.yaml)."""

    sections: tuple[str, ...]
    faq: str
    metadata: dict[str, str]
    synonyms: dict[str, str] = field(default_factory=dict)  # other names for a heading (Markdown, CSV)

    def heading(self, line: str) -> str | None:
        key = line.strip().rstrip(":").strip().casefold()
        if key == self.faq.casefold():
            return self.faq
        return next((h for h in self.sections if h.casefold() == key), None)

    def page_heading(self, line: str) -> str | None:
        """A line that starts a section in a source page: a known heading, or one of its synonyms kept as
        written ("Why it matters"), so what the section answers comes from its own words."""
        known = self.heading(line)
        if known:
            return known
        key = line.strip().rstrip(":").strip()
        target = self.synonyms.get(key.casefold())
        if target is None:
            return None
        return self.faq if target.casefold() == self.faq.casefold() else key


def page_format_for(intents_dir: Path) -> PageFormat:
    """The page format beside a set of intents, else the shipped one."""
    path = intents_dir / "headings.yaml"
    return load_page_format(path if path.exists() else None)


@lru_cache(maxsize=4)
def load_page_format(path: Path | None = None) -> PageFormat:
    """Read intents/headings.yaml; raises ContentError naming the file and what is wrong."""
    path = path or shipped_dir("intents") / "headings.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ContentError([Problem(str(path), f"cannot read: {getattr(exc, 'problem', None) or exc}",
                                    mark.line + 1 if mark else None)]) from None
    shape_ok = isinstance(data, dict) and isinstance(data.get("sections"), list) and isinstance(
        data.get("faq"), str) and isinstance(data.get("metadata"), dict)
    if not shape_ok or not all(isinstance(h, str) and h.strip() for h in data["sections"]):
        raise ContentError([Problem(str(path), "needs sections (a list of headings), faq (a heading) and "
                                               "metadata (page key: term field)")])
    synonyms = data.get("synonyms") or {}
    if not isinstance(synonyms, dict):
        raise ContentError([Problem(str(path), "synonyms must map a heading to one of the headings above")])
    return PageFormat(tuple(data["sections"]), data["faq"], {str(k): str(v) for k, v in data["metadata"].items()},
                      {str(k).casefold(): str(v) for k, v in synonyms.items()})


@dataclass
class _Page:
    """What has been read so far; every line of the page lands in exactly one of these fields."""

    name: str
    fmt: PageFormat
    title: str = ""
    definition: str = ""
    meta: dict[str, str] = field(default_factory=dict)
    aliases: list[str] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)
    sections: list[tuple[str, list[Block]]] = field(default_factory=list)
    listed: list[str] = field(default_factory=list)
    pairs: list[list[str | None]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    broken: bool = False  # a blank line ends the list or table above it

    def fail(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.name, message, line))


def _split_row(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _add_body_line(page: _Page, text: str, lineno: int) -> None:
    if not page.sections:
        page.sections.append(("Overview", []))
    body = page.sections[-1][1]
    last = None if page.broken or not body else body[-1]
    page.broken = False
    if text.startswith("|"):
        if TABLE_RULE_RE.match(text):
            if not isinstance(last, Table):
                page.fail(lineno, "table rule line without a header row above it")
            return
        cells = tuple(_split_row(text))
        if isinstance(last, Table):
            body[-1] = Table(last.columns, (*last.rows, cells))
        else:
            body.append(Table(cells, ()))
    elif text.startswith(("- ", "* ", "• ")):
        item = text[2:].strip()
        if isinstance(last, Bullets):
            body[-1] = Bullets((*last.items, item))
        else:
            body.append(Bullets((item,)))
    else:
        body.append(Paragraph(text))


def _add_faq_line(page: _Page, text: str) -> None:
    if not text.startswith("- "):
        if page.pairs and page.pairs[-1][1] is not None:  # a wrapped answer continues
            page.pairs[-1][1] = f"{page.pairs[-1][1]} {text}"
        elif page.pairs:
            page.pairs[-1][1] = text
        else:
            page.listed.append(text)
        return
    item = text[2:].strip()
    listed = {q.casefold() for q in page.listed}
    open_question = page.pairs and page.pairs[-1][1] is None
    # A dash line is a new question when nothing waits for an answer, or when it is itself one of
    # the listed questions: the page then ran out of answers for the question before it.
    if not open_question or item.casefold() in listed:
        page.pairs.append([item, None])
    else:
        page.pairs[-1][1] = item


def _read_header(page: _Page, lines: list[str]) -> int:
    """Title, short definition and metadata pairs; returns the index of the first body line."""
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i == len(lines):
        page.fail(1, "empty page")
        return i
    page.title, i = lines[i].strip(), i + 1
    if i < len(lines) and lines[i].strip() and not page.fmt.page_heading(lines[i]) and not lines[i].startswith("- "):
        page.definition, i = lines[i].strip(), i + 1
    else:
        page.fail(i + 1, "line 2 must be the short definition")
    while i < len(lines) and lines[i].startswith("- ") and not page.fmt.page_heading(lines[i]):
        key = lines[i][2:].strip()
        if i + 1 >= len(lines) or not lines[i + 1].startswith("- "):
            page.fail(i + 1, f"metadata key '{key}' has no '- value' line after it")
            return i + 1
        page.meta[key] = lines[i + 1][2:].strip()
        i += 2
    return i


def _apply_meta(page: _Page) -> dict[str, object]:
    data: dict[str, object] = {}
    title_acronym = ACRONYM_RE.search(page.title)
    if title_acronym:
        page.aliases.append(title_acronym.group(1).strip())
    for key, value in page.meta.items():
        target = page.fmt.metadata.get(key) or next(
            (v for k, v in page.fmt.metadata.items() if k.casefold() == key.casefold()), None)
        if target == "term":
            bare_title = ACRONYM_RE.sub("", page.title).strip()
            if value.casefold() not in (page.title.casefold(), bare_title.casefold()):
                page.aliases.append(value)
        elif target == "aliases":
            page.aliases.extend(a.strip() for a in value.split(",") if a.strip())
        elif target:
            data[target] = value
        else:
            page.extra[key] = value
    return data


def _looks_like_heading(line: str, before: str, after: str, fmt: PageFormat) -> bool:
    """A short Title-case line with no punctuation, between text and more text: probably a heading the
    page format does not know. Conservative on purpose: a false warning teaches people to ignore them."""
    words = line.split()
    return (len(line) <= MAX_HEADING_CHARS and 1 <= len(words) <= MAX_HEADING_WORDS
            and all(w[0].isupper() for w in words if len(w) > 3 or w is words[0])
            and not any(c in line for c in HEADING_NEVER) and not line.startswith(("- ", "* ", "• ", "|"))
            and fmt.page_heading(before) is None and bool(after.strip()) and fmt.page_heading(after) is None)


def parse_page(text: str, name: str = "<page>", fmt: PageFormat | None = None) -> Term:
    """Parse one source page; raises ContentError naming the file and line of every problem. A line
    that looks like a heading but is not a known one is kept as text, with a warning (logged)."""
    page = _Page(name, fmt or load_page_format())
    lines = text.removeprefix("\ufeff").splitlines()
    in_faq = False
    for lineno in range(_read_header(page, lines) + 1, len(lines) + 1):
        raw = lines[lineno - 1]
        line = raw.strip()
        if not line:
            page.broken = True
            continue
        heading = page.fmt.page_heading(line)
        if heading == page.fmt.faq:
            in_faq = True
        elif heading and not in_faq:
            page.sections.append((heading, []))
        elif in_faq:
            _add_faq_line(page, line)
        else:
            after = lines[lineno] if lineno < len(lines) else ""
            if _looks_like_heading(line, lines[lineno - 2], after, page.fmt):
                section = page.sections[-1][0] if page.sections else "Overview"
                logger.warning("%s:%d: %r looks like a heading but is not one of the known headings "
                               "(intents/headings.yaml), so it was kept as text under %r", name, lineno, line, section)
            _add_body_line(page, line, lineno)
    if page.problems:
        raise ContentError(page.problems)
    data = _apply_meta(page)
    faq = _merge_faq(page)
    data.update(
        title=page.title, definition=page.definition,
        slug=file_slug(page.title),
        aliases=list(dict.fromkeys(page.aliases)), extra=page.extra or None,
        sections=[{"heading": h, "body": [block_to_dict(b) for b in body]} for h, body in page.sections],
        faq=[{"question": q, "answer": a} for q, a in faq],
    )
    # Pages go through the same validator as YAML files, so both formats obey one set of rules.
    term, problems = term_from_dict({k: v for k, v in data.items() if v is not None}, name)
    if problems or term is None:
        raise ContentError(problems)
    return term


def _merge_faq(page: _Page) -> list[tuple[str, str | None]]:
    """Listed questions in page order, each with its answer when the page gives one."""
    answers = {str(q).casefold(): a for q, a in page.pairs}
    merged = [(q, answers.get(q.casefold())) for q in page.listed]
    listed = {q.casefold() for q in page.listed}
    merged += [(str(q), a) for q, a in page.pairs if str(q).casefold() not in listed]
    return merged


