"""The glossary content model: terms, their sections and FAQ, read from YAML files or source pages."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NewType

import yaml

from bot.safeload import UnsafeContent, load_content_yaml, read_inside_folder

if TYPE_CHECKING:
    from bot.cache import TermCache
    from bot.importer import PageFormat

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


@dataclass(frozen=True)
class Glossary:
    terms: tuple[Term, ...]
    by_slug: dict[Slug, Term] = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, terms: list[Term] | tuple[Term, ...]) -> Glossary:
        ordered = tuple(sorted(terms, key=lambda t: (t.title.casefold(), t.slug)))
        return cls(ordered, {t.slug: t for t in ordered})


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

    def text_field(self, data: dict, key: str, required: bool = False) -> str | None:
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


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-") or "term"


# ---- files and folders ---------------------------------------------------------------------------


TERM_SUFFIXES = (".yaml", ".yml", ".txt", ".md", ".markdown", ".csv")


def is_page(path: Path | str) -> bool:
    """A source page (.txt, any case), as opposed to a YAML term file."""
    return str(path).casefold().endswith(".txt")


def read_text(path: Path, display: str | None = None) -> str:
    """A content file's text, a byte-order mark dropped; raises ContentError with one sentence."""
    name = display or str(path)
    try:
        return read_inside_folder(path).decode("utf-8-sig")
    except UnsafeContent as exc:
        raise ContentError([Problem(name, str(exc))]) from None
    except UnicodeDecodeError as exc:
        raise ContentError([Problem(name, f"not UTF-8 text ({exc.reason} at byte {exc.start}); "
                                          "save it as UTF-8")]) from None
    except IsADirectoryError:
        raise ContentError([Problem(name, "is a folder, not a file")]) from None
    except OSError as exc:
        raise ContentError([Problem(name, f"cannot read: {exc.strerror or exc}")]) from None


def load_term_file(path: Path, display: str | None = None, page_format: PageFormat | None = None) -> Term:
    """Read one term from a .yaml file or a source page (.txt); raises ContentError naming the file."""
    from bot.importer import parse_page  # the importer builds on this module's types

    name = display or str(path)
    text = read_text(path, name)
    if is_page(path):
        return parse_page(text, name, page_format)
    try:
        data = load_content_yaml(text)
    except UnsafeContent as exc:
        raise ContentError([Problem(name, str(exc), exc.line)]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ContentError([Problem(name, f"invalid YAML: {problem}", mark.line + 1 if mark else None)]) from None
    term, problems = term_from_dict(data, name, text)
    if problems or term is None:
        raise ContentError(problems)
    return term


def signature(path: Path) -> Signature | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return (stat.st_mtime_ns, stat.st_size)


def _hidden(path: Path) -> bool:
    """Hidden names, `_index.md`-style section pages and a folder's README are not terms."""
    return path.name.startswith((".", "_")) or path.name.casefold() in ("readme.md", "readme.markdown")


def load_terms_file(path: Path, display: str | None = None,
                    page_format: PageFormat | None = None) -> tuple[Term, ...]:
    """Every term in one content file: one from a .yaml, .txt or .md file, one per row of a .csv."""
    from bot.formats import SUFFIXES, read_terms
    from bot.importer import load_page_format

    if path.suffix.casefold() in SUFFIXES:
        return read_terms(path, display or str(path), page_format or load_page_format())
    return (load_term_file(path, display, page_format),)


def content_files(directory: Path) -> list[Path]:
    """Term files in a content folder: YAML, source pages (.txt), Markdown and CSV, in any case
    (UP.YAML too), skipping hidden ones (names starting with "." or "_") and a README."""
    return sorted(p for p in directory.iterdir()
                  if p.suffix.casefold() in TERM_SUFFIXES and not _hidden(p) and p.is_file())


def skipped_files(directory: Path) -> list[Problem]:
    """What a content folder holds that is not read: sub-folders and files of other kinds (hidden
    names excepted), one note each, so nothing is left out silently."""
    if not directory.is_dir():
        return []
    notes = []
    for path in sorted(directory.iterdir()):
        if _hidden(path):
            continue
        if path.is_dir():
            notes.append(Problem(str(path), "is a sub-folder, so its files are not read "
                                            "(only files directly in the content folder are)"))
        elif path.suffix.casefold() not in TERM_SUFFIXES:
            notes.append(Problem(str(path), "is not a term file (.yaml, .yml, .txt, .md or .csv), so it is not read"))
    return notes


def check_glossary(terms: list[Term]) -> list[Problem]:
    """Problems across terms: duplicate slugs and the same title twice in one field. (A name that
    several terms share is allowed: asking by it offers the choice; see names.shared_names.)"""
    problems: list[Problem] = []
    seen_slug: dict[str, Term] = {}
    seen_title: dict[tuple[str, str], Term] = {}
    for term in terms:
        if (other := seen_slug.setdefault(term.slug, term)) is not term:
            problems.append(Problem(term.source, f"duplicate slug '{term.slug}' (also in {other.source})",
                                    where="slug"))
        key = (term.title.casefold(), term.field.casefold())
        if (other := seen_title.setdefault(key, term)) is not term:
            problems.append(Problem(term.source, f"duplicate title '{term.title}' in field '{term.field}' "
                                    f"(also in {other.source}); give one a different field", where="title"))
    return problems


def disambiguate_page_slugs(terms: list[Term], taken: set[str] | None = None) -> list[Term]:
    """Pages (.txt, .md, CSV rows) usually carry no slug of their own: when two share a title, later
    ones (by file name) get their field appended ("segment", "segment-analytics"). YAML slugs are
    kept as written."""
    taken = set(taken or ()) | {t.slug for t in terms if not _slug_made(t)}
    out = []
    for term in terms:
        renamed = _slug_made(term) and term.slug in taken and term.field
        chosen = replace(term, slug=Slug(f"{term.slug}-{slugify(term.field)}")) if renamed else term
        taken.add(chosen.slug)
        out.append(chosen)
    return out


def _slug_made(term: Term) -> bool:
    """Slugs made from the title (every format but YAML) may be extended; written ones may not."""
    return not term.source.casefold().endswith((".yaml", ".yml"))


def parse_files(paths: list[Path], page_format: PageFormat | None = None) -> list[tuple[Term, ...] | ContentError]:
    """Each file's terms, or its problems, in order. (Parsing on several processes was measured and
    rejected: sending 10,000 terms back costs about what the second core saves; see README.)"""
    out: list[tuple[Term, ...] | ContentError] = []
    for path in paths:
        try:
            out.append(load_terms_file(path, page_format=page_format))
        except ContentError as exc:
            out.append(exc)
    return out


def build_glossary(files: dict[Path, Signature | None], cache: TermCache | None = None,
                   page_format: PageFormat | None = None,
                   keep_last_good: bool = False, folder: Path | None = None) -> tuple[Glossary, list[Problem]]:
    """One glossary from these files (in order), reusing cached terms of unchanged files.

    Without `keep_last_good` every problem raises ContentError, all of them in one pass. With it, a
    broken file's last good version is used and its problems are returned, for the caller to log;
    glossary-wide problems (a duplicate slug) still raise, so the caller keeps what it had. So does a
    glossary with no term files at all: no command can answer from it."""
    if not any(files.values()):
        where = str(folder) if folder else "content folder"
        raise ContentError([Problem(where, "no term files in this folder (.yaml, .yml or .txt); "
                                           "a glossary needs at least one term")])
    terms, problems = [], []
    found = {path: cache.get(path, sig) for path, sig in files.items() if sig} if cache else {}
    missing = [path for path, sig in files.items() if sig and found.get(path) is None]
    for path, result in zip(missing, parse_files(missing, page_format), strict=True):
        if isinstance(result, ContentError):
            problems.extend(result.problems)
            found[path] = cache.last_good(path) if cache and keep_last_good else None
            continue
        found[path] = result
        if cache:
            cache.put(path, files[path] or (0, 0), result)
    terms = disambiguate_page_slugs([term for path in files for term in found.get(path) or ()])
    fatal = check_glossary(terms)
    if fatal or (problems and not keep_last_good):
        raise ContentError(fatal if keep_last_good else problems + fatal)
    if cache:
        cache.keep_only({str(path) for path, sig in files.items() if sig})
        cache.save()
    return Glossary.of(terms), problems


def load_glossary(directory: Path, cache: TermCache | None = None, page_format: PageFormat | None = None) -> Glossary:
    """Load and check every term in a folder; raises ContentError listing every problem found.
    With a cache, files unchanged since they last loaded are not read again. Pages (.txt) are read
    with `page_format` (default: the shipped intents/headings.yaml)."""
    if not directory.is_dir():
        found = "is a file, not a folder" if directory.exists() else "content folder not found"
        raise ContentError([Problem(str(directory), found)])
    files = {path: signature(path) for path in content_files(directory)}
    return build_glossary(files, cache, page_format, folder=directory)[0]
