"""Which pages and passages hold which words: a persistent SQLite FTS5 index of analysed page text.

It answers two questions for the matcher — does the rest of a question fit this term's page, and
which passage of which page holds a question that names no term — and it is built once and reused:
a term is re-analysed only when its text changes (rows are keyed by a hash of the term's text), so a
restart of a large glossary reads no page text at all. It also keeps each term's names and their
look-up rows (bot/name_table.py), so names are found by key, not held in memory. FTS5 ships with
Python's sqlite3.
"""

from __future__ import annotations

import contextlib
import hashlib
import heapq
import json
import logging
import math
import sqlite3
import threading
import weakref
from collections.abc import Iterable
from pathlib import Path

from bot.analyzer import Token, content_stems, idf_factor, rarity
from bot.bounded import remembered
from bot.content import Glossary, Slug
from bot.name_table import FILL_WORDS, NAME_SCHEMA, REFRESH_WORDS, NameTable, name_rows
from bot.names import Name, names
from bot.units import UnitRows, WordSet, unit_rows, word_set

SCHEMA_VERSION = "page-index-11"  # bump when the analyzer or the rows change: the index is rebuilt
PAGE_MASS = 1.1  # evidence saturates once the words found weigh about this much
TOP_PAGES = 6
VOCABULARIES = 2048  # pages whose words are kept in memory at once
POSTINGS = 4096  # selective words whose pages are kept in memory at once
# Words on more pages than this do not select passages (they still count): 5% of the pages, at least 8
# and at most 1,000 (reading a word's pages costs about a millisecond per few thousand).
PAGE_DF_SHARE, PAGE_DF_MIN, PAGE_DF_MAX = 0.05, 8, 1000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS terms (id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE,
                                  slug TEXT NOT NULL, names TEXT NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS pages USING fts5(words, tokenize="unicode61 tokenchars '.'");
CREATE VIRTUAL TABLE IF NOT EXISTS pages_vocab USING fts5vocab(pages, 'row');
CREATE VIRTUAL TABLE IF NOT EXISTS passages USING fts5(words, term UNINDEXED, tokenize="unicode61 tokenchars '.'");
CREATE TABLE IF NOT EXISTS units (id INTEGER PRIMARY KEY, rows TEXT NOT NULL);
"""

logger = logging.getLogger("glossary_bot.index")


def _key(slug: Slug, digest: str) -> str:
    """A term's row key: its slug and a digest of its page text (which its term cache keeps)."""
    return hashlib.blake2b(f"{SCHEMA_VERSION}\0{slug}\0{digest}".encode(), digest_size=16).hexdigest()


def passage_words(rows: UnitRows) -> Iterable[set[str]]:
    """The words of every passage of a page, from its unit rows (no second analysis): the definition,
    each paragraph, bullet and table row with its section heading, each FAQ question with its answer."""
    for row in rows:
        if row[0] == "faq":
            yield content_stems(row[1]) | set(row[3] or ())
        elif row[0] == "section":
            yield from (set(row[2]) | set(block) for block in row[3])
        else:
            yield set(row[1])


def encode_names(found: list[Name]) -> str:
    return json.dumps([[n.text, n.kind, [[t.surface, t.stem] for t in n.tokens]] for n in found],
                      ensure_ascii=False, separators=(",", ":"))


def decode_names(encoded: str) -> list[Name]:
    return [Name(text, kind, tuple(Token(surface, stem) for surface, stem in tokens))
            for text, kind, tokens in json.loads(encoded)]


def _tag(ident: int) -> str:
    return f"zzterm{ident}"


def _quoted(stem: str) -> str:
    return '"' + stem.replace('"', '""') + '"'


class PageIndex:
    def __init__(self, glossary: Glossary, path: Path | None = None):
        self.slugs = [h.slug for h in glossary.heads]
        self._lock = threading.Lock()
        self._id: dict[Slug, int] = {}
        self._slug: dict[int, Slug] = {}
        self._vocab: dict[Slug, WordSet] = {}
        self._db = self._opened_and_synced(glossary, path)
        # An engine is dropped, not closed, when a content edit replaces it: its connection closes with it.
        weakref.finalize(self, self._db.close)
        glossary.drop_fresh()
        self._df: dict[str, int] = {}
        self._postings: dict[str, list[int]] = {}

    def _opened_and_synced(self, glossary: Glossary, path: Path | None) -> sqlite3.Connection:
        """The index, holding every term of the glossary. A damaged file is built again; one that
        cannot be written (read-only, locked for a minute) leaves this process an index in memory:
        slower to start, never an error."""
        if path is not None:
            for _ in range(2):
                try:
                    return self._synced(glossary, path)
                except sqlite3.DatabaseError as exc:
                    logger.warning("page index %s: %s; building it again", path, exc)
                    with contextlib.suppress(sqlite3.Error, AttributeError):  # no connection yet, or a broken one
                        self._db.close()
                    if type(exc) is not sqlite3.DatabaseError:  # locked or read-only, not damaged
                        break
                    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                        with contextlib.suppress(OSError):
                            leftover.unlink()
        return self._synced(glossary, None)

    def _synced(self, glossary: Glossary, where: Path | None) -> sqlite3.Connection:
        self._id.clear()
        self._slug.clear()
        self._db = self._open(where)
        self._sync(glossary)
        return self._db

    @staticmethod
    def _open(path: Path | None) -> sqlite3.Connection:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(str(path) if path else ":memory:", check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA busy_timeout=60000")  # another process indexing the same folder: wait for it
        db.execute("PRAGMA journal_mode=WAL" if path else "PRAGMA journal_mode=MEMORY")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        version = db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        if version is None or version[0] != SCHEMA_VERSION:  # written by another version: built again
            db.executescript("DROP TABLE IF EXISTS pages_vocab; DROP TABLE IF EXISTS pages; "
                             "DROP TABLE IF EXISTS passages; DROP TABLE IF EXISTS terms; "
                             "DROP TABLE IF EXISTS name_keys; DROP TABLE IF EXISTS name_words; "
                             "DROP TABLE IF EXISTS units;")
            db.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
        db.executescript(_SCHEMA + NAME_SCHEMA)
        return db

    def _sync(self, glossary: Glossary) -> None:
        """Index the terms not indexed yet (by text hash); drop rows of texts no longer in the glossary."""
        wanted = {_key(h.slug, glossary.digest(h)): h.slug for h in glossary.heads}
        # BEGIN IMMEDIATE takes the write lock first: processes starting together (--workers N share
        # the cache folder) index one after the other, and each reads what the one before wrote.
        self._db.execute("BEGIN IMMEDIATE")
        have = dict(self._db.execute("SELECT key, id FROM terms").fetchall())
        stale = [i for k, i in have.items() if k not in wanted]
        for ident in stale:
            self._db.execute("DELETE FROM name_keys WHERE term = ?", (ident,))
            self._db.execute("DELETE FROM units WHERE id = ?", (ident,))
            self._db.execute("DELETE FROM pages WHERE rowid = ?", (ident,))
            self._db.execute("DELETE FROM passages WHERE passages MATCH ?", (_tag(ident),))
            self._db.execute("DELETE FROM terms WHERE id = ?", (ident,))
        added = False
        for key, slug in wanted.items():
            ident = have.get(key)
            if ident is None:
                term, added = glossary.by_slug[slug], True
                found = names(term)
                ident = self._db.execute("INSERT INTO terms (key, slug, names) VALUES (?, ?, ?)",
                                         (key, term.slug, encode_names(found))).lastrowid
                assert ident is not None
                self._db.executemany("INSERT INTO name_keys VALUES (?, ?, ?, ?, ?, ?)", name_rows(ident, found))
                rows = unit_rows(term, found)
                self._db.execute("INSERT INTO units VALUES (?, ?)",
                                 (ident, json.dumps(rows, ensure_ascii=False, separators=(",", ":"))))
                self._db.execute("INSERT INTO pages (rowid, words) VALUES (?, ?)",
                                 (ident, " ".join(content_stems(term.page_text()))))
                # Each passage also holds its term's tag, so a search can be narrowed to a few terms.
                self._db.executemany("INSERT INTO passages (words, term) VALUES (?, ?)",
                                     ((f"{' '.join(words)} {_tag(ident)}", ident) for words in passage_words(rows)))
            self._id[slug], self._slug[ident] = ident, slug
        if stale or added:
            self._db.execute(REFRESH_WORDS)
            self._db.execute(FILL_WORDS)
        self._db.execute("COMMIT")

    def names(self, slug: Slug) -> list[Name]:
        """A term's names, as bot.names found them when its text was indexed (not found again)."""
        ident = self._id.get(slug)
        rows = self._query("SELECT names FROM terms WHERE id = ?", (ident,)) if ident is not None else []
        return decode_names(str(rows[0][0]) if rows else "[]")

    def units(self, slug: Slug) -> UnitRows | None:
        """A term's passage units as analysed when its text was indexed (bot.passages.unit_rows)."""
        ident = self._id.get(slug)
        rows = self._query("SELECT rows FROM units WHERE id = ?", (ident,)) if ident is not None else []
        return json.loads(str(rows[0][0])) if rows else None

    def name_table(self) -> NameTable:
        """The glossary's names, read from this index as questions need them."""
        position = {self._id[slug]: n for n, slug in enumerate(self.slugs)}
        return NameTable(self._query, self.slugs, position, self.names)

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._db.close()

    def _query(self, sql: str, args: tuple[object, ...]) -> list[tuple[object, ...]]:
        with self._lock:  # one connection, shared by the event loop and worker threads
            return self._db.execute(sql, args).fetchall()

    def has(self, slug: Slug, stem: str) -> bool:
        return stem in self.vocabulary(slug)

    def vocabulary(self, slug: Slug) -> WordSet:
        """Every word stem on a term's page, read back from the index (no re-analysis); kept per index, so
        a dropped engine takes its cache (and its connection) with it."""
        return remembered(self._vocab, slug, lambda: self._read_vocabulary(slug), VOCABULARIES)

    def _read_vocabulary(self, slug: Slug) -> WordSet:
        ident = self._id.get(slug)
        rows = self._query("SELECT words FROM pages WHERE rowid = ?", (ident,)) if ident is not None else []
        return word_set(str(rows[0][0]).split()) if rows else {}

    def doc_count(self, stem: str) -> int:
        found = self._df.get(stem)
        if found is None:
            row = self._query("SELECT doc FROM pages_vocab WHERE term = ?", (stem,))
            found = int(row[0][0]) if row else 0  # type: ignore[call-overload]
            if len(self._df) < 100_000:
                self._df[stem] = found
        return found

    def _pages_with(self, stem: str) -> list[int]:
        """The pages holding a word (a selective one: few pages), kept once read."""
        found = self._postings.get(stem)
        if found is None:
            rows = self._query("SELECT rowid FROM pages WHERE pages MATCH ?", (_quoted(stem),))
            found = [int(ident) for (ident,) in rows]  # type: ignore[call-overload]
            if len(self._postings) >= POSTINGS:
                self._postings.clear()
            self._postings[stem] = found
        return found

    def weight(self, tok: Token) -> float:
        """A question word's weight against pages: rare in English, and on few of this glossary's pages
        ("note" is on every page with a worked example, so it says little)."""
        return rarity(tok.surface) * idf_factor(self.doc_count(tok.stem), len(self.slugs))

    def fit(self, slug: Slug, rest: list[Token], present: frozenset[str] = frozenset()) -> tuple[float | None, float]:
        """The weighted share of `rest` found on the term's page (None when there is no rest), and the
        weight of the words not found; `present`: stems to count as found."""
        if not rest:
            return None, 0.0
        weights = [(self.weight(t), t.stem in present or self.has(slug, t.stem)) for t in rest]
        total = sum(w for w, _ in weights)
        missing = sum(w for w, found in weights if not found)
        return (1 - missing / total if total else 1.0), missing

    def best(self, weights: dict[str, float]) -> list[tuple[Slug, float, float]]:
        """The terms whose single best passage holds most of the question's words, best first:
        (slug, weighted share of the words in that passage, evidence 0-1 from their weight)."""
        total = sum(weights.values())
        limit = min(PAGE_DF_MAX, max(PAGE_DF_MIN, int(PAGE_DF_SHARE * len(self.slugs))))
        selective = [s for s in weights if 0 < self.doc_count(s) <= limit]
        if not total or not selective:
            return []
        # The pages holding most of the words first (their postings are short: the words are selective),
        # then the passages of those pages alone: ranking every matching passage costs milliseconds.
        mass: dict[int, float] = {}
        for stem in selective:
            for ident in self._pages_with(stem):
                mass[ident] = mass.get(ident, 0.0) + weights[stem]
        top = heapq.nlargest(TOP_PAGES, mass, key=mass.__getitem__)
        if not top:  # another index on the same file dropped these rows (a reload): nothing to rank
            return []
        match = f"({' OR '.join(_quoted(s) for s in selective)}) AND ({' OR '.join(_tag(i) for i in top)})"
        rows = self._query("SELECT words, term FROM passages WHERE passages MATCH ?", (match,))
        best: dict[int, float] = {}
        for words, term in rows:
            found = set(str(words).split())
            held = sum(w for s, w in weights.items() if s in found)
            best[int(term)] = max(best.get(int(term), 0.0), held)  # type: ignore[call-overload]
        return sorted(((self._slug[i], m / total, 1 - math.exp(-m / PAGE_MASS)) for i, m in best.items()
                       if i in self._slug), key=lambda x: -x[1] * x[2])
