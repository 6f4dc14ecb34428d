"""Validated terms by file signature, kept in SQLite, so a restart re-reads only changed files and
builds a term's whole content only when a question first needs it."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import sqlite3
import threading
import weakref
from pathlib import Path
from typing import Any

from bot import __version__
from bot.content import (
    Bullets,
    FaqEntry,
    Paragraph,
    Section,
    Signature,
    Slug,
    Table,
    Term,
    TermHead,
    page_digest,
    term_to_dict,
)

logger = logging.getLogger("glossary_bot.cache")

FORMAT = 4  # 3: SQLite, each term read on first use; 4: term ids never reused

# A file's terms belong to one `files` row; a changed file gets a new row. Term ids are never reused
# (AUTOINCREMENT), and a term is read back only when its row still holds the text its head was made
# from (the digest), so a row another process replaced is never served as this head's term.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (id INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT NULL UNIQUE,
                                  mtime INTEGER NOT NULL, size INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS terms (id INTEGER PRIMARY KEY AUTOINCREMENT, file INTEGER NOT NULL,
                                  slug TEXT NOT NULL, title TEXT NOT NULL, field TEXT NOT NULL,
                                  digest TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS terms_file ON terms (file);
"""


def _term_from_cache(data: dict[str, Any], source: str) -> Term:
    """Rebuild a term this process validated before; JSON only, so a tampered cache can at worst
    change content, never run code."""
    def block(raw: dict[str, Any]) -> Paragraph | Bullets | Table:
        if "paragraph" in raw:
            return Paragraph(raw["paragraph"])
        if "bullets" in raw:
            return Bullets(tuple(raw["bullets"]))
        return Table(tuple(raw["table"]["columns"]), tuple(tuple(r) for r in raw["table"]["rows"]))

    return Term(
        slug=Slug(data["slug"]), title=data["title"], definition=data["definition"], field=data.get("field", ""),
        category=data.get("category", ""), aliases=tuple(data.get("aliases", ())), url=data.get("url"),
        owner=data.get("owner"), last_reviewed=data.get("last_reviewed"),
        extra=tuple(data.get("extra", {}).items()),
        sections=tuple(Section(s["heading"], tuple(block(b) for b in s["body"])) for s in data["sections"]),
        faq=tuple(FaqEntry(f["question"], f["answer"]) for f in data["faq"]), source=source,
    )


def folder_key(content_dir: Path) -> str:
    return hashlib.sha256(str(content_dir.resolve()).encode()).hexdigest()[:16]


def index_file(cache_dir: Path | None, content_dir: Path) -> Path | None:
    """Where the page index of a content folder persists (None: kept in memory)."""
    return cache_dir / f"index-{folder_key(content_dir)}.sqlite3" if cache_dir else None


class TermCache:
    """`get` answers for an unchanged file; `last_good` for any file that ever loaded; both give term
    heads, and `term` the whole term. `path=None` keeps it in memory only (tests, one-off commands)."""

    def __init__(self, path: Path | None = None, fingerprint: str = ""):
        """`fingerprint` names what parsing depended on (the page format): a cache written under
        another one is emptied, so editing headings.yaml re-reads every page."""
        self.path = path
        self.fingerprint = fingerprint
        self._lock = threading.Lock()  # the writing connection, used by whoever loads the glossary
        self._entries: dict[str, tuple[Signature, tuple[TermHead, ...]]] = {}
        self._dirty = False
        self._db = self._open(path)
        weakref.finalize(self, self._db.close)
        # Questions read terms on their own connection: a reload waiting for another process's write
        # lock never holds up an answer (in WAL mode readers do not wait for writers).
        self._read_lock = threading.Lock()
        self._reader = self._open_reader()
        weakref.finalize(self, self._reader.close)

    @classmethod
    def for_folder(cls, cache_dir: Path | None, content_dir: Path, fingerprint: str = "") -> TermCache:
        if cache_dir is None:
            return cls(None, fingerprint)
        return cls(cache_dir / f"terms-{folder_key(content_dir)}.sqlite3", fingerprint)

    def _open(self, path: Path | None) -> sqlite3.Connection:
        """The cache's database, its heads read; a cache that cannot be read or written is only
        slower: this process keeps its terms in memory."""
        if path is not None:
            try:
                db = self._connect(str(path))
                self._read(db)
                return db
            except (OSError, sqlite3.Error, ValueError) as exc:
                logger.warning("ignoring term cache %s: %s", path, exc)
                self._entries.clear()
                # Not a database, or a damaged one (not a locked or read-only one): start it again.
                if type(exc) is sqlite3.DatabaseError:
                    with contextlib.suppress(OSError):
                        path.unlink()
                    return self._open_once_more(path)
        return self._connect(":memory:")

    def _open_once_more(self, path: Path) -> sqlite3.Connection:
        try:
            return self._connect(str(path))
        except (OSError, sqlite3.Error) as exc:
            logger.warning("ignoring term cache %s: %s", path, exc)
            return self._connect(":memory:")

    def _connect(self, where: str) -> sqlite3.Connection:
        if where != ":memory:":
            Path(where).parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(where, check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA busy_timeout=60000")  # another process writing the same cache: wait for it
        db.execute("PRAGMA journal_mode=WAL" if where != ":memory:" else "PRAGMA journal_mode=MEMORY")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        stamp = f"{FORMAT} {__version__} {self.fingerprint}"
        found = db.execute("SELECT value FROM meta WHERE key = 'stamp'").fetchone()
        if found is None or found[0] != stamp:  # written by another version or page format: start again
            db.executescript("BEGIN IMMEDIATE; DROP TABLE IF EXISTS terms; DROP TABLE IF EXISTS files; COMMIT;")
            db.execute("INSERT OR REPLACE INTO meta VALUES ('stamp', ?)", (stamp,))
        db.executescript(_SCHEMA)
        return db

    def _open_reader(self) -> sqlite3.Connection:
        if self.path is None or self._db.execute("PRAGMA database_list").fetchone()[2] == "":
            return self._db  # in memory: one connection
        try:
            reader = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
            reader.execute("PRAGMA busy_timeout=2000")
            return reader
        except sqlite3.Error:
            return self._db

    def _read(self, db: sqlite3.Connection) -> None:
        rows = db.execute("SELECT f.source, f.mtime, f.size, t.slug, t.title, t.field, t.digest, t.id "
                          "FROM files f LEFT JOIN terms t ON t.file = f.id ORDER BY f.id, t.id")
        heads: dict[str, list[TermHead]] = {}
        for source, mtime, size, slug, title, field, digest, row in rows:
            found = heads.get(source)
            if found is None:
                found = heads[source] = []
                self._entries[source] = ((mtime, size), ())
            if row is not None:
                found.append(TermHead(slug, title, field, source, digest, row))
        for source, found in heads.items():
            self._entries[source] = (self._entries[source][0], tuple(found))

    def get(self, source: Path, sig: Signature) -> tuple[TermHead, ...] | None:
        entry = self._entries.get(str(source))
        return entry[1] if entry and entry[0] == sig else None

    def last_good(self, source: Path) -> tuple[TermHead, ...] | None:
        entry = self._entries.get(str(source))
        return entry[1] if entry else None

    def term(self, head: TermHead) -> Term | None:
        """The whole term a head stands for; None when its row is gone or holds other text (another
        process re-read its file)."""
        found = self._row(self._reader, self._read_lock if self._reader is not self._db else self._lock, head)
        if found is None and self._reader is not self._db:  # written after the file cache could not be
            found = self._row(self._db, self._lock, head)
        return _term_from_cache(json.loads(found), head.source) if found else None

    def _row(self, db: sqlite3.Connection, lock: threading.Lock, head: TermHead) -> str | None:
        with lock:
            try:
                found = db.execute("SELECT data FROM terms WHERE id = ? AND digest = ?",
                                   (head.row, head.digest)).fetchone()
            except sqlite3.Error as exc:
                logger.warning("could not read term cache %s: %s", self.path, exc)
                return None
        return str(found[0]) if found else None

    def put(self, source: Path, sig: Signature, terms: tuple[Term, ...]) -> tuple[TermHead, ...]:
        """Keep a file's terms (written by `save`); returns their heads. A cache that cannot be
        written (a read-only disk) is not an error: this process keeps terms in memory from then on."""
        try:
            return self._put(source, sig, terms)
        except sqlite3.Error as exc:
            logger.warning("could not write term cache %s: %s", self.path, exc)
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")  # do not keep another process waiting on a lock we hold
            # Heads made before keep their rows (the reader still reads the file); new ones go to memory,
            # where a row id that names another file's row is refused by its digest.
            self._db, self._dirty = self._connect(":memory:"), False
            weakref.finalize(self, self._db.close)
            return self._put(source, sig, terms)

    def _put(self, source: Path, sig: Signature, terms: tuple[Term, ...]) -> tuple[TermHead, ...]:
        with self._lock:
            self._begin()
            heads = self._written(source, sig, len(terms))
            if heads:
                self._entries[str(source)] = (sig, heads)
                return heads
            file = self._db.execute("INSERT OR REPLACE INTO files (source, mtime, size) VALUES (?, ?, ?)",
                                    (str(source), *sig)).lastrowid
            made = []
            for term in terms:
                digest = page_digest(term)
                data = json.dumps(term_to_dict(term), ensure_ascii=False, separators=(",", ":"))
                row = self._db.execute("INSERT INTO terms (file, slug, title, field, digest, data) "
                                       "VALUES (?, ?, ?, ?, ?, ?)",
                                       (file, term.slug, term.title, term.field, digest, data)).lastrowid
                made.append(TermHead(term.slug, term.title, term.field, term.source, digest, row or 0))
        self._entries[str(source)] = (sig, tuple(made))
        return tuple(made)

    def _written(self, source: Path, sig: Signature, count: int) -> tuple[TermHead, ...]:
        """The heads another process wrote for this very file (workers starting together parse the same
        files): reusing its rows leaves every process's heads pointing at rows that stay."""
        rows = self._db.execute("SELECT t.slug, t.title, t.field, t.digest, t.id FROM files f JOIN terms t "
                                "ON t.file = f.id WHERE f.source = ? AND f.mtime = ? AND f.size = ? ORDER BY t.id",
                                (str(source), *sig)).fetchall()
        if len(rows) != count:
            return ()
        return tuple(TermHead(slug, title, field, str(source), digest, row) for slug, title, field, digest, row in rows)

    def keep_only(self, sources: set[str]) -> None:
        gone = set(self._entries) - sources
        if not gone:
            return
        with self._lock, contextlib.suppress(sqlite3.Error):  # unwritable: those rows are only never read
            self._begin()
            self._db.executemany("DELETE FROM files WHERE source = ?", ((g,) for g in gone))
        for source in gone:
            del self._entries[source]

    def _begin(self) -> None:
        if not self._dirty:
            # The write lock first: processes starting together (--workers N) write one after the other.
            self._db.execute("BEGIN IMMEDIATE")
            self._dirty = True

    def save(self, prune: bool = True) -> None:
        """Commit what changed; with `prune`, drop the terms of files no longer kept (a glossary that was
        refused keeps serving from them, so they stay until one is accepted). A read-only disk is not
        an error."""
        if not self._dirty:
            return
        try:
            with self._lock:
                if prune:
                    self._db.execute("DELETE FROM terms WHERE file NOT IN (SELECT id FROM files)")
                self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            logger.warning("could not write term cache %s: %s", self.path, exc)
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
        self._dirty = False
