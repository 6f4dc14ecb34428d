"""Reading a content folder: which files are term files, reading each safely (no links out of the
folder, no YAML aliases, UTF-8 with one wording), every format by extension, and one glossary from
them with the term cache, all problems reported in one pass."""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from functools import partial
from pathlib import Path

import yaml

from bot.cache import TermCache
from bot.content import (
    ContentError,
    Glossary,
    Problem,
    Signature,
    Term,
    TermHead,
    check_glossary,
    disambiguate_page_slugs,
    term_from_dict,
)
from bot.formats import SUFFIXES, read_terms
from bot.formats.page import PageFormat, load_page_format, parse_page
from bot.safeload import UnsafeContent, load_content_yaml, read_inside_folder

TERM_SUFFIXES = (".yaml", ".yml", ".txt", ".md", ".markdown", ".csv")

logger = logging.getLogger("glossary_bot.content")


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
    return _hidden_name(path.name)


def _hidden_name(name: str) -> bool:
    """Hidden names, `_index.md`-style section pages and a folder's README are not terms."""
    return name.startswith((".", "_")) or name.casefold() in ("readme.md", "readme.markdown")


def load_terms_file(path: Path, display: str | None = None,
                    page_format: PageFormat | None = None) -> tuple[Term, ...]:
    """Every term in one content file: one from a .yaml, .txt or .md file, one per row of a .csv."""
    if path.suffix.casefold() in SUFFIXES:
        return read_terms(path, display or str(path), page_format or load_page_format())
    return (load_term_file(path, display, page_format),)


def content_files(directory: Path) -> list[Path]:
    """Term files in a content folder: YAML, source pages (.txt), Markdown and CSV, in any case
    (UP.YAML too), skipping hidden ones (names starting with "." or "_") and a README."""
    return list(content_signatures(directory))


def content_signatures(directory: Path) -> dict[Path, Signature | None]:
    """content_files with each one's signature, in one pass over the folder: os.scandir knows which
    entries are files without a stat of each (100,000 pages list in a fraction of a second)."""
    with os.scandir(directory) as entries:
        found = sorted((e for e in entries if os.path.splitext(e.name)[1].casefold() in TERM_SUFFIXES
                        and not _hidden_name(e.name) and e.is_file()), key=lambda e: e.name)
    return {directory / e.name: _entry_signature(e) for e in found}


def _entry_signature(entry: os.DirEntry[str]) -> Signature | None:
    try:
        stat = entry.stat()
    except FileNotFoundError:
        return None
    return (stat.st_mtime_ns, stat.st_size)


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
        raise ContentError([_no_terms(folder)])
    if cache is None:
        return _build_uncached(files, page_format, keep_last_good)
    problems = []
    fresh: dict[int, Term] = {}  # parsed now, by cache row: the page index reads each of them once
    found = {path: cache.get(path, sig) for path, sig in files.items() if sig}
    missing = [path for path, sig in files.items() if sig and found.get(path) is None]
    for path, result in zip(missing, parse_files(missing, page_format), strict=True):
        if isinstance(result, ContentError):
            problems.extend(result.problems)
            found[path] = cache.last_good(path) if keep_last_good else None
            continue
        found[path] = kept = cache.put(path, files[path] or (0, 0), result)
        fresh.update((head.row, term) for head, term in zip(kept, result, strict=True))
    heads = disambiguate_page_slugs([head for path in files for head in found.get(path) or ()])
    fatal = check_glossary(heads)
    if fatal or (problems and not keep_last_good):
        cache.save(prune=False)  # the glossary still serving may read the rows of files gone or changed
        raise ContentError(fatal if keep_last_good else problems + fatal)
    cache.keep_only({str(path) for path, sig in files.items() if sig})
    cache.save()
    new = {h.slug: _named(fresh[h.row], h) for h in heads if h.row in fresh}
    return Glossary.lazy(heads, partial(_cached_term, cache, page_format), new), problems


def _build_uncached(files: dict[Path, Signature | None], page_format: PageFormat | None,
                    keep_last_good: bool) -> tuple[Glossary, list[Problem]]:
    paths = [path for path, sig in files.items() if sig]
    problems: list[Problem] = []
    terms: list[Term] = []
    for result in parse_files(paths, page_format):
        if isinstance(result, ContentError):
            problems.extend(result.problems)
        else:
            terms.extend(result)
    terms = disambiguate_page_slugs(terms)
    fatal = check_glossary(terms)
    if fatal or (problems and not keep_last_good):
        raise ContentError(fatal if keep_last_good else problems + fatal)
    return Glossary.of(terms), problems


def _cached_term(cache: TermCache, page_format: PageFormat | None, head: TermHead) -> Term:
    """A term as its cache kept it, under the slug the glossary gave it. When another process has
    since re-read its file (the row is gone), the file is read again."""
    term = cache.term(head)
    if term is None:
        try:
            again = load_terms_file(Path(head.source), page_format=page_format)
            term = next((t for t in again if (t.title, t.field) == (head.title, head.field)), again[0])
        except (ContentError, OSError, IndexError) as exc:  # removed or broken since: the next reload drops it
            logger.warning("%s: %s changed since the glossary loaded (%s); it is reloading", head.source,
                           head.title, exc)
            term = Term(head.slug, head.title, f"{head.title} is being updated; ask again in a few seconds.",
                        head.field, source=head.source)
    return _named(term, head)


def _named(term: Term, head: TermHead) -> Term:
    """The term under the slug the glossary gave it (pages sharing a title get their field appended)."""
    return term if term.slug == head.slug else replace(term, slug=head.slug)


def load_glossary(directory: Path, cache: TermCache | None = None, page_format: PageFormat | None = None) -> Glossary:
    """Load and check every term in a folder; raises ContentError listing every problem found.
    With a cache, files unchanged since they last loaded are not read again. Pages (.txt) are read
    with `page_format` (default: the shipped intents/headings.yaml)."""
    if not directory.is_dir():
        raise ContentError([_no_terms(directory)])
    files = content_signatures(directory)
    return build_glossary(files, cache, page_format, folder=directory)[0]


def _no_terms(folder: Path | None) -> Problem:
    """Why a glossary has no terms at all: the folder is missing, is a file, or holds no term files."""
    if folder is None:
        return Problem("content folder", "no term files; a glossary needs at least one term")
    if not folder.exists():
        return Problem(str(folder), "content folder not found (--content or GLOSSARY_CONTENT_DIR)")
    if not folder.is_dir():
        return Problem(str(folder), "is a file, not a folder")
    return Problem(str(folder), "no term files in this folder (.yaml, .yml, .txt, .md or .csv); "
                                "a glossary needs at least one term")
