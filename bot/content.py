"""The glossary content model: terms, their sections and FAQ, read from YAML files or source pages.

Over 300 lines: the model and its one validator (file, line, field, problem) change together."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from typing import Any, NamedTuple, NewType, TypeVar

import yaml

from bot.bounded import remembered

Slug = NewType("Slug", str)
Signature = tuple[int, int]  # a file's (mtime_ns, size): changes on every save

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# A term's url goes into Slack links (<url|label>): none of the characters that could end the link
# or start markup (<, >, |), no quotes, backslashes, spaces or control characters.
SAFE_URL_RE = re.compile(r"^https?://[^\s<>|\"'`\\\x00-\x1f\x7f]+$")
TERM_KEYS = (
    "title", "slug", "definition", "field", "category", "aliases", "url", "owner",
    "last_reviewed", "extra", "sections", "faq",
)


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


Block = Paragraph | Bullets | Table


@dataclass(frozen=True)
class Section:
    heading: str
    body: tuple[Block, ...]


@dataclass(frozen=True)
class FaqEntry:
    question: str
    answer: str | None


@dataclass(frozen=True)
class Term:
    slug: Slug
    title: str
    definition: str
    field: str = ""
    category: str = ""
    aliases: tuple[str, ...] = ()
    url: str | None = None
    owner: str | None = None
    last_reviewed: str | None = None
    extra: tuple[tuple[str, str], ...] = ()
    sections: tuple[Section, ...] = ()
    faq: tuple[FaqEntry, ...] = ()
    source: str = ""

    def page_text(self) -> str:
        """Every word of the page, for indexing."""
        parts = [self.title, self.definition, self.field, self.category, *self.aliases]
        for section in self.sections:
            parts.append(section.heading)
            for block in section.body:
                if isinstance(block, Paragraph):
                    parts.append(block.text)
                elif isinstance(block, Bullets):
                    parts.extend(block.items)
                else:
                    parts.extend(" ".join(row) for row in (block.columns, *block.rows))
        for entry in self.faq:
            parts += [entry.question, entry.answer or ""]
        return "\n".join(parts)

    def section(self, heading: str) -> Section | None:
        wanted = heading.casefold()
        return next((s for s in self.sections if s.heading.casefold() == wanted), None)


def block_texts(block: Block) -> list[str]:
    """A block's passages as the engine reads them: a paragraph, each bullet, each table row (with its
    header, so "Searches 12,000" keeps its column's word)."""
    if isinstance(block, Paragraph):
        return [block.text]
    if isinstance(block, Bullets):
        return list(block.items)
    header = " ".join(block.columns)
    return [f"{header} {' '.join(row)}" for row in block.rows]


class TermHead(NamedTuple):
    """What a glossary holds of a term before a question needs all of it: its identity, the title and
    field it is ordered and checked by, its file, and where its term cache keeps the whole term."""

    slug: Slug
    title: str
    field: str
    source: str
    digest: str = ""  # of its page text (the page index's key); "" until a term cache computes it
    row: int = 0  # its row in the term cache


def head_of(term: Term, digest: str = "", row: int = 0) -> TermHead:
    return TermHead(term.slug, term.title, term.field, term.source, digest, row)


def page_digest(term: Term) -> str:
    return hashlib.blake2b(term.page_text().encode(), digest_size=16).hexdigest()


KEPT_TERMS = 4096  # terms read on first use and kept at once


class LazyTerms(Mapping[Slug, Term]):
    """Terms by slug, each read (`load`) when first asked for and kept, up to KEPT_TERMS at once.
    `fresh`: terms just parsed, handed out once instead of read back (the page index reads each new one)."""

    def __init__(self, heads: tuple[TermHead, ...], load: Callable[[TermHead], Term],
                 fresh: dict[Slug, Term] | None = None):
        self._heads = {h.slug: h for h in heads}
        self._load = load
        self._fresh = fresh or {}
        self._kept: dict[Slug, Term] = {}

    def __getitem__(self, slug: Slug) -> Term:
        return remembered(self._kept, slug, lambda: self._fresh.pop(slug, None) or self._load(self._heads[slug]),
                          KEPT_TERMS)

    def drop_fresh(self) -> None:
        self._fresh = {}

    def __iter__(self) -> Iterator[Slug]:
        return iter(self._heads)

    def __len__(self) -> int:
        return len(self._heads)


class Glossary:
    """Every term, in title order. `heads` are what start-up needs; a term's whole content comes from
    `by_slug`, which a glossary read from a term cache fills on first use, so a large glossary starts
    without building every term. `terms` builds them all (A-Z views, web pages, `check`)."""

    def __init__(self, heads: tuple[TermHead, ...], by_slug: Mapping[Slug, Term]):
        self.heads = heads
        self.by_slug = by_slug

    @classmethod
    def of(cls, terms: list[Term] | tuple[Term, ...]) -> Glossary:
        ordered = tuple(sorted(terms, key=lambda t: (t.title.casefold(), t.slug)))
        return cls(tuple(head_of(t) for t in ordered), {t.slug: t for t in ordered})

    @classmethod
    def lazy(cls, heads: list[TermHead], load: Callable[[TermHead], Term],
             fresh: dict[Slug, Term] | None = None) -> Glossary:
        """A glossary whose terms are read by `load` when first needed (`fresh` ones: just parsed)."""
        ordered = tuple(sorted(heads, key=lambda h: (h.title.casefold(), h.slug)))
        return cls(ordered, LazyTerms(ordered, load, fresh))

    @cached_property
    def terms(self) -> tuple[Term, ...]:
        return tuple(self.by_slug[h.slug] for h in self.heads)

    def __len__(self) -> int:
        return len(self.heads)

    def drop_fresh(self) -> None:
        """Terms parsed by this load were kept for the page index to read once; once it has, they need
        not stay in memory (a glossary whose page index was already built would keep them all)."""
        if isinstance(self.by_slug, LazyTerms):
            self.by_slug.drop_fresh()

    def digest(self, head: TermHead) -> str:
        """The digest of a term's page text: kept by its term cache, else computed now."""
        return head.digest or page_digest(self.by_slug[head.slug])


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a content file, pointing at the file, the line when known, and the field."""

    file: str
    message: str
    line: int | None = None
    where: str = ""

    def __str__(self) -> str:
        place = f"{self.file}:{self.line}" if self.line else self.file
        return f"{place}: {self.where}: {self.message}" if self.where else f"{place}: {self.message}"


class ContentError(Exception):
    """Raised with every problem found, so an author fixes them in one pass."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# ---- YAML → Term -------------------------------------------------------------------------------


def _line_of(root: yaml.Node | None, path: list[str | int]) -> int | None:
    """The 1-based line of the YAML node at `path`, or of its nearest existing parent."""
    node, line = root, (root.start_mark.line + 1 if root else None)
    for step in path:
        if isinstance(node, yaml.MappingNode) and isinstance(step, str):
            node = next((v for k, v in node.value if k.value == step), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
        else:
            node = None
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


def _path_text(path: list[str | int]) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
    return out


class _Checker:
    """Collects problems while reading one term mapping."""

    def __init__(self, file: str, text: str):
        self.file, self.text = file, text
        self.problems: list[Problem] = []
        self._root: yaml.Node | None = None
        self._composed = False

    def fail(self, path: list[str | int], message: str) -> None:
        if not self._composed:  # composing is only needed on the error path
            self._composed = True
            try:
                self._root = yaml.compose(self.text, Loader=yaml.SafeLoader)
            except yaml.YAMLError:
                self._root = None
        self.problems.append(Problem(self.file, message, _line_of(self._root, path), _path_text(path)))

    def text_field(self, data: dict[str, Any], key: str, required: bool = False) -> str | None:
        value = data.get(key)
        if value is None:
            if required:
                self.fail([key], "missing")
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.fail([key], f"must be text, not {type(value).__name__}")
            return None
        if not value.strip():
            if required:
                self.fail([key], "empty")
            return None
        return value.strip()


def _read_block(chk: _Checker, raw: Any, path: list[str | int]) -> Block | None:
    if isinstance(raw, str):
        return Paragraph(raw)
    if not isinstance(raw, dict) or len(raw) != 1:
        chk.fail(path, "must be one of: paragraph, bullets, table")
        return None
    kind, value = next(iter(raw.items()))
    if kind == "paragraph" and isinstance(value, str):
        return Paragraph(value)
    if kind == "bullets" and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return Bullets(tuple(value))
    if kind == "table" and isinstance(value, dict):
        cols, rows = value.get("columns"), value.get("rows", [])
        if not isinstance(cols, list) or not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            chk.fail([*path, "table"], "needs columns (a list) and rows (a list of lists)")
            return None
        return Table(tuple(str(c) for c in cols), tuple(tuple(str(c) for c in r) for r in rows))
    chk.fail([*path, str(kind)], "unknown block or wrong shape")
    return None


def _read_sections(chk: _Checker, raw: Any) -> tuple[Section, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        chk.fail(["sections"], "must be a list")
        return ()
    sections = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            chk.fail(["sections", i], "must be a mapping with heading and body")
            continue
        heading = item.get("heading")
        if not isinstance(heading, str) or not heading.strip():
            chk.fail(["sections", i, "heading"], "empty")
            continue
        body_raw = item.get("body") or []
        if not isinstance(body_raw, list):
            chk.fail(["sections", i, "body"], "must be a list")
            continue
        blocks = [_read_block(chk, b, ["sections", i, "body", j]) for j, b in enumerate(body_raw)]
        sections.append(Section(heading.strip(), tuple(b for b in blocks if b is not None)))
    return tuple(sections)


def _read_faq(chk: _Checker, raw: Any) -> tuple[FaqEntry, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        chk.fail(["faq"], "must be a list")
        return ()
    entries = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            chk.fail(["faq", i], "must be a mapping with question and answer")
            continue
        question = item.get("question")
        if not isinstance(question, str) or not question.strip():
            chk.fail(["faq", i, "question"], "empty")
            continue
        answer = item.get("answer")
        if answer is not None and not isinstance(answer, str):
            chk.fail(["faq", i, "answer"], "must be text or left out")
            continue
        entries.append(FaqEntry(question.strip(), answer.strip() if answer and answer.strip() else None))
    return tuple(entries)


def term_from_dict(data: Any, file: str, text: str = "") -> tuple[Term | None, list[Problem]]:
    """Validate one term mapping; returns the term (when usable) and every problem found."""
    chk = _Checker(file, text)
    if not isinstance(data, dict):
        chk.fail([], "a term file must be a mapping (title: …, definition: …)")
        return None, chk.problems
    for key in data:
        if key not in TERM_KEYS:
            chk.fail([str(key)], f"unknown field (expected one of: {', '.join(TERM_KEYS)})")
    title = chk.text_field(data, "title", required=True)
    definition = chk.text_field(data, "definition", required=True)
    slug = chk.text_field(data, "slug") or (slugify(title) if title else None)
    if slug and not SLUG_RE.match(slug):
        chk.fail(["slug"], f"'{slug}' must be lowercase letters, digits and single hyphens")
    aliases = data.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        chk.fail(["aliases"], "must be a list of non-empty texts")
        aliases = []
    url = chk.text_field(data, "url")
    if url and not SAFE_URL_RE.match(url):
        chk.fail(["url"], f"'{url[:120]}' is not an http(s) address, or holds a space, quote, <, > or |")
    reviewed = data.get("last_reviewed")
    if reviewed is not None and not isinstance(reviewed, dt.date):
        try:
            reviewed = dt.date.fromisoformat(str(reviewed))
        except ValueError:
            chk.fail(["last_reviewed"], f"'{reviewed}' is not a date (YYYY-MM-DD)")
            reviewed = None
    extra = data.get("extra") or {}
    if not isinstance(extra, dict):
        chk.fail(["extra"], "must be a mapping of text to text")
        extra = {}
    sections = _read_sections(chk, data.get("sections"))
    faq = _read_faq(chk, data.get("faq"))
    if chk.problems or not (title and definition and slug):
        return None, chk.problems
    term = Term(
        slug=Slug(slug), title=title, definition=definition,
        field=chk.text_field(data, "field") or "", category=chk.text_field(data, "category") or "",
        aliases=tuple(a.strip() for a in aliases), url=url, owner=chk.text_field(data, "owner"),
        last_reviewed=reviewed.isoformat() if reviewed else None,
        extra=tuple((str(k), str(v)) for k, v in extra.items()),
        sections=sections, faq=faq, source=file,
    )
    return term, []


def term_to_dict(term: Term) -> dict[str, Any]:
    """The YAML shape of a term, keys in reading order; empty optional fields left out."""
    out: dict[str, Any] = {"title": term.title, "slug": term.slug, "definition": term.definition}
    for key in ("field", "category"):
        if getattr(term, key):
            out[key] = getattr(term, key)
    if term.aliases:
        out["aliases"] = list(term.aliases)
    for key in ("url", "owner", "last_reviewed"):
        if getattr(term, key):
            out[key] = getattr(term, key)
    if term.extra:
        out["extra"] = dict(term.extra)
    out["sections"] = [{"heading": s.heading, "body": [block_to_dict(b) for b in s.body]} for s in term.sections]
    out["faq"] = [{"question": f.question, "answer": f.answer} for f in term.faq]
    return out


def block_to_dict(block: Block) -> dict[str, Any]:
    if isinstance(block, Paragraph):
        return {"paragraph": block.text}
    if isinstance(block, Bullets):
        return {"bullets": list(block.items)}
    return {"table": {"columns": list(block.columns), "rows": [list(r) for r in block.rows]}}


def dump_term_yaml(term: Term) -> str:
    return yaml.safe_dump(term_to_dict(term), sort_keys=False, allow_unicode=True, width=100)


MAX_SLUG_CHARS = 80  # file names stay well inside every file system's limit (255 bytes)


def file_slug(text: str, limit: int = MAX_SLUG_CHARS) -> str:
    """slugify, cut at a hyphen to at most `limit` characters, so a long title still makes a sane file name."""
    slug = slugify(text)
    if len(slug) <= limit:
        return slug
    return slug[:limit + 1].rsplit("-", 1)[0].strip("-") if "-" in slug[:limit + 1] else slug[:limit]


_NOT_SLUG = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=65536)  # headings and FAQ questions are slugified on every answer that names a part
def slugify(text: str) -> str:
    return _NOT_SLUG.sub("-", text.casefold()).strip("-") or "term"


# ---- files and folders ---------------------------------------------------------------------------


AnyTerm = TypeVar("AnyTerm", Term, TermHead)


def check_glossary(terms: list[AnyTerm]) -> list[Problem]:
    """Problems across terms: duplicate slugs and the same title twice in one field. (A name that
    several terms share is allowed: asking by it offers the choice; see names.shared_names.)"""
    problems: list[Problem] = []
    seen_slug: dict[str, AnyTerm] = {}
    seen_title: dict[tuple[str, str], AnyTerm] = {}
    for term in terms:
        if (other := seen_slug.setdefault(term.slug, term)) is not term:
            problems.append(Problem(term.source, f"duplicate slug '{term.slug}' (also in {other.source})",
                                    where="slug"))
        key = (term.title.casefold(), term.field.casefold())
        if (other := seen_title.setdefault(key, term)) is not term:
            problems.append(Problem(term.source, f"duplicate title '{term.title}' in field '{term.field}' "
                                    f"(also in {other.source}); give one a different field", where="title"))
    return problems


def disambiguate_page_slugs(terms: list[AnyTerm], taken: set[str] | None = None) -> list[AnyTerm]:
    """Pages (.txt, .md, CSV rows) usually carry no slug of their own: when two share a title, later
    ones (by file name) get their field appended ("segment", "segment-analytics"). YAML slugs are
    kept as written."""
    taken = set(taken or ()) | {t.slug for t in terms if not _slug_made(t)}
    out = []
    for term in terms:
        renamed = _slug_made(term) and term.slug in taken and term.field
        chosen = _with_slug(term, Slug(f"{term.slug}-{slugify(term.field)}")) if renamed else term
        taken.add(chosen.slug)
        out.append(chosen)
    return out


def _with_slug(term: AnyTerm, slug: Slug) -> AnyTerm:
    return term._replace(slug=slug) if isinstance(term, TermHead) else replace(term, slug=slug)


def _slug_made(term: Term | TermHead) -> bool:
    """Slugs made from the title (every format but YAML) may be extended; written ones may not."""
    return not term.source.casefold().endswith((".yaml", ".yml"))
