"""CSV glossaries, as Notion, Confluence and spreadsheets export them: a header row, one term a row.

Columns (names matched ignoring case, spaces and underscores): term (or title, name), definition
(or description), aliases (split on ; or ,), field, category (or tags), url, owner, last_reviewed,
slug; a column named after a known heading (or a synonym of one) is that section, its cell read as
Markdown; a column meaning the FAQ holds `### Question` lines or "Question?" lines with answers
under them. Any other column is kept under `extra`. Errors name file:line (of the row) and column."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

from bot.content import Block, ContentError, Problem, Term, block_to_dict, slugify, term_from_dict
from bot.formats.markdown import faq_entries, split_parts
from bot.formats.page import ACRONYM_RE, PageFormat
from bot.formats.text import canonical_heading, plain, to_blocks

COLUMNS = {  # normalised column name -> term field
    "term": "title", "title": "title", "name": "title", "definition": "definition", "description": "definition",
    "short description": "definition", "aliases": "aliases", "alias": "aliases", "aka": "aliases",
    "also known as": "aliases", "field": "field", "category": "category", "tags": "category", "url": "url",
    "link": "url", "owner": "owner", "last reviewed": "last_reviewed", "slug": "slug",
}
DATE_FORMATS = ("%Y-%m-%d", "%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%Y/%m/%d")


def _column_key(name: str) -> str:
    return re.sub(r"[\s_]+", " ", name).strip().casefold()


def _date(value: str) -> str:
    """ISO dates, and the long forms Notion and Confluence export ("November 3, 2025")."""
    for pattern in DATE_FORMATS:
        try:
            return dt.datetime.strptime(value.strip(), pattern).date().isoformat()
        except ValueError:
            continue
    return value  # the validator names the column and what a date looks like


def parse_csv(text: str, name: str, fmt: PageFormat) -> tuple[Term, ...]:
    """Every row's term; raises ContentError with every problem (file:line, column) in one pass."""
    first = text.split("\n", 1)[0]
    # Spreadsheets in many locales write ";" (or tabs) between cells; the header row tells which.
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)  # cells may hold line breaks
    try:
        header = next(reader)
    except StopIteration:
        raise ContentError([Problem(name, "empty file: the first row must name the columns", 1)]) from None
    except csv.Error as exc:
        raise ContentError([Problem(name, f"not readable as CSV: {exc}", 1)]) from None
    roles = _roles(header, fmt)
    if "title" not in roles.values() or "definition" not in roles.values():
        raise ContentError([Problem(name, "the header row needs a `term` (or title, name) column and a "
                                          f"`definition` column; found: {', '.join(header)}", 1)])
    terms, problems = [], []
    line = reader.line_num + 1
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                try:
                    terms.append(_row_term(row, header, roles, name, line))
                except ContentError as exc:
                    problems.extend(exc.problems)
            line = reader.line_num + 1
    except csv.Error as exc:
        problems.append(Problem(name, f"not readable as CSV: {exc}", line))
    if problems:
        raise ContentError(problems)
    return tuple(terms)


def _roles(header: list[str], fmt: PageFormat) -> dict[int, str]:
    """Column index -> a term field, "section:<heading>", "faq", or "extra"; the first column of a
    field wins, later ones go to `extra`."""
    roles: dict[int, str] = {}
    for i, column in enumerate(header):
        target = COLUMNS.get(_column_key(column))
        heading = canonical_heading(fmt, column)
        if target and target not in roles.values():
            roles[i] = target
        elif heading == fmt.faq:
            roles[i] = "faq"
        elif heading in fmt.sections:  # two columns meaning one heading: the second keeps its own name
            taken = f"section:{heading}" in roles.values()
            roles[i] = f"section:{column.strip() if taken else heading}"
        else:
            roles[i] = "extra"
    return roles


def _row_term(row: list[str], header: list[str], roles: dict[int, str], name: str, line: int) -> Term:
    if len(row) > len(header):
        raise ContentError([Problem(name, f"{len(row)} cells but the header names {len(header)} columns", line)])
    data: dict[str, Any] = {}
    extra: dict[str, str] = {}
    sections: list[dict[str, Any]] = []
    faq: list[dict[str, str | None]] = []
    for i, cell in enumerate(row):
        role, value = roles[i], cell.strip()
        if not value:
            continue
        if role == "aliases":
            data["aliases"] = [a.strip() for a in re.split(r"[;,]", value) if a.strip()]
        elif role == "last_reviewed":
            data[role] = _date(value)
        elif role.startswith("section:"):
            sections.append({"heading": role.split(":", 1)[1], "body": [block_to_dict(b) for b in to_blocks(
                value.splitlines())]})
        elif role == "faq":
            kept, entries = _faq_cell(value)
            faq += entries
            if kept:
                sections.append({"heading": header[i].strip(), "body": [block_to_dict(b) for b in kept]})
        elif role == "extra":
            extra[header[i].strip()] = value
        else:
            data[role] = plain(value) if role in ("title", "definition") else value
    acronym = ACRONYM_RE.search(data.get("title", ""))
    if acronym:
        data["aliases"] = list(dict.fromkeys([*data.get("aliases", []), acronym.group(1).strip()]))
    data.update(slug=data.get("slug") or (slugify(data["title"]) if data.get("title") else None),
                extra=extra or None, sections=sections, faq=faq)
    term, problems = term_from_dict({k: v for k, v in data.items() if v is not None}, name)
    if problems or term is None:
        columns = {role: header[i].strip() for i, role in reversed(roles.items())}
        raise ContentError([Problem(name, p.message, line, f"column {_column_of(p.where, columns)!r}")
                            for p in problems])
    return term


def _faq_cell(value: str) -> tuple[list[Block], list[dict[str, str | None]]]:
    """A FAQ cell: `### Question` lines or "Question?" lines, each with its answer below."""
    return faq_entries(split_parts(value.splitlines(), 1)[1][0])


def _column_of(where: str, columns: dict[str, str]) -> str:
    """The CSV column a validator field path ("last_reviewed", "sections[0].body") came from."""
    key = re.split(r"[.\[]", where, maxsplit=1)[0]
    return columns.get(key, where)
