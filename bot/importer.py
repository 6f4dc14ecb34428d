"""The import command: source pages, Markdown and CSV files into YAML term files, all or nothing;
re-importing a page updates the file it wrote, and a hand-edited file is replaced only with --force."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from bot.content import MAX_SLUG_CHARS, SLUG_RE, ContentError, Problem, Slug, Term, dump_term_yaml, file_slug, slugify
from bot.formats.page import PageFormat, load_page_format, page_format_for, parse_page
from bot.loader import load_terms_file, read_text

__all__ = ["PageFormat", "load_page_format", "page_format_for", "parse_page", "plan_import", "write_import"]

MARK_RE = re.compile(r"^# Imported from (.+) by glossary-bot \(sha256:([0-9a-f]{16})\)\.")


def _digest(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]


def imported_yaml(term: Term, page_name: str) -> str:
    """The YAML import writes: a first comment line names the page and fingerprints the rest, so a
    later import can tell its own unedited output from a file someone has changed."""
    body = dump_term_yaml(term)
    page_name = " ".join(page_name.split())  # the name stays on the comment line, whatever it holds
    return (f"# Imported from {page_name} by glossary-bot (sha256:{_digest(body)}). "
            "After an edit, import replaces it only with --force.\n" + body)


def unedited_import(text: str) -> bool:
    """True when `text` is import's output, unchanged since it was written."""
    first, _, body = text.partition("\n")
    mark = MARK_RE.match(first)
    return mark is not None and _digest(body) == mark.group(2)


@dataclass(frozen=True)
class _Existing:
    path: Path
    slug: str | None
    key: tuple[str, str] | None  # (title, field), casefolded
    unedited: bool


def _existing_files(out: Path) -> list[_Existing]:
    found = []
    for path in sorted(out.iterdir()):
        if path.suffix.casefold() not in (".yaml", ".yml") or not path.is_file():
            continue
        try:
            text = read_text(path)
            data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except (ContentError, yaml.YAMLError):
            found.append(_Existing(path, None, None, False))
            continue
        if not isinstance(data, dict) or not isinstance(data.get("title"), str):
            found.append(_Existing(path, None, None, False))
            continue
        slug = data.get("slug") if isinstance(data.get("slug"), str) else None
        key = (data["title"].strip().casefold(), str(data.get("field") or "").strip().casefold())
        found.append(_Existing(path, slug, key, unedited_import(text)))
    return found


@dataclass(frozen=True)
class Planned:
    """One file import will write: where, what, and whether it is new, changed or the same."""

    path: Path
    text: str
    status: str  # "wrote", "updated" or "unchanged"


def plan_import(pages: list[Path], out: Path, fmt: PageFormat | None = None, force: bool = False) -> list[Planned]:
    """Read every page and decide every file, writing nothing; raises ContentError with every problem.

    A page whose title and field match a YAML file already in `out` updates that file (keeping its slug)
    when import wrote it and nobody has edited it since; otherwise it needs `force`. A new term gets a
    file named by its slug; a slug already taken gets the term's field appended, then a number."""
    problems: list[Problem] = []
    if out.exists() and not out.is_dir():
        raise ContentError([Problem(str(out), "is a file; --out takes the folder to write the YAML term files in")])
    parsed: list[tuple[Path, Term]] = []
    for page in pages:
        if page.suffix.casefold() in (".yaml", ".yml"):
            problems.append(Problem(str(page), "is YAML; put it in the content folder, import reads source pages "
                                               "(.txt), Markdown (.md) and CSV"))
            continue
        try:
            parsed.extend((page, term) for term in load_terms_file(page, page_format=fmt))  # .txt, .md, .csv
        except ContentError as exc:
            problems.extend(exc.problems)
    existing = _existing_files(out) if out.is_dir() else []
    by_key = {e.key: e for e in existing if e.key}
    taken = {e.path.stem for e in existing}
    seen: dict[tuple[str, str], Path] = {}
    plans: list[Planned] = []
    for page, term in parsed:
        key = (term.title.casefold(), term.field.casefold())
        if key in seen:
            problems.append(Problem(str(page), f"same title and field as {seen[key]}; import one of them"))
            continue
        seen[key] = page
        match = by_key.get(key)
        if match is not None:
            if not match.unedited and not force:
                problems.append(Problem(str(match.path), f"was edited by hand (or not written by import); "
                                                         f"re-run with --force to replace it with {page}"))
                continue
            slug = match.slug if match.slug and SLUG_RE.match(match.slug) else file_slug(match.path.stem)
            text = imported_yaml(replace(term, slug=Slug(slug)), page.name)
            old = read_text(match.path) if match.unedited else None
            plans.append(Planned(match.path, text, "unchanged" if old == text else "updated"))
            continue
        slug = term.slug
        if slug in taken and term.field:
            slug = file_slug(f"{term.slug}-{slugify(term.field)}")
        base, n = slug, 2
        while slug in taken:
            slug, n = f"{file_slug(base, MAX_SLUG_CHARS - 4)}-{n}", n + 1
        taken.add(slug)
        plans.append(Planned(out / f"{slug}.yaml", imported_yaml(replace(term, slug=Slug(slug)), page.name), "wrote"))
    if problems:
        raise ContentError(problems)
    return plans


def import_pages(pages: list[Path], out: Path, fmt: PageFormat | None = None, force: bool = False) -> list[Path]:
    """Write one YAML file per page into `out` (see `write_import`); returns their paths in page order."""
    return [plan.path for plan in write_import(pages, out, fmt, force)]


def write_import(pages: list[Path], out: Path, fmt: PageFormat | None = None, force: bool = False) -> list[Planned]:
    """Write one YAML file per page into `out`: all of them or, on any problem, none (every problem
    is raised at once as ContentError)."""
    plans = plan_import(pages, out, fmt, force)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ContentError([Problem(str(out), f"cannot create the folder: {exc.strerror or exc}")]) from None
    staged: list[tuple[str, Path]] = []
    try:  # every file is written beside its target first, then all are moved into place
        for plan in plans:
            if plan.status == "unchanged":
                continue
            fd, tmp = tempfile.mkstemp(dir=out, prefix=".import-", suffix=".tmp")
            staged.append((tmp, plan.path))
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(plan.text)
    except OSError as exc:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        raise ContentError([Problem(str(out), f"cannot write: {exc.strerror or exc}; nothing was imported")]) from None
    for tmp, target in staged:
        os.replace(tmp, target)
    return plans
