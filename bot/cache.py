"""Validated terms by file signature, kept in a JSON file so a restart re-reads only changed files."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from bot import __version__
from bot.content import Bullets, FaqEntry, Paragraph, Section, Signature, Slug, Table, Term, term_to_dict

logger = logging.getLogger("glossary_bot.cache")

FORMAT = 2  # 2: a file holds several terms (a CSV)


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
    """`get` answers for an unchanged file; `last_good` for any file that ever loaded. `path=None`
    keeps it in memory only (tests, one-off commands)."""

    def __init__(self, path: Path | None = None, fingerprint: str = ""):
        """`fingerprint` names what parsing depended on (the page format): a cache written under
        another one is ignored, so editing headings.yaml re-reads every page."""
        self.path = path
        self.fingerprint = fingerprint
        self._entries: dict[str, tuple[Signature, tuple[Term, ...]]] = {}
        self._dirty = False
        if path is not None and path.exists():
            self._read(path)

    @classmethod
    def for_folder(cls, cache_dir: Path | None, content_dir: Path, fingerprint: str = "") -> TermCache:
        if cache_dir is None:
            return cls(None, fingerprint)
        return cls(cache_dir / f"terms-{folder_key(content_dir)}.json", fingerprint)

    def _read(self, path: Path) -> None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT or data.get("version") != __version__ or \
                    data.get("fingerprint", "") != self.fingerprint:
                return
            for source, (sig, terms) in data["terms"].items():
                self._entries[source] = ((sig[0], sig[1]), tuple(_term_from_cache(t, source) for t in terms))
        except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:  # a bad cache is only slower
            logger.warning("ignoring term cache %s: %s", path, exc)
            self._entries.clear()

    def get(self, source: Path, sig: Signature) -> tuple[Term, ...] | None:
        entry = self._entries.get(str(source))
        return entry[1] if entry and entry[0] == sig else None

    def last_good(self, source: Path) -> tuple[Term, ...] | None:
        entry = self._entries.get(str(source))
        return entry[1] if entry else None

    def put(self, source: Path, sig: Signature, terms: tuple[Term, ...]) -> None:
        self._entries[str(source)] = (sig, terms)
        self._dirty = True

    def keep_only(self, sources: set[str]) -> None:
        for gone in set(self._entries) - sources:
            del self._entries[gone]
            self._dirty = True

    def save(self) -> None:
        """Write atomically (a crash mid-write leaves the old cache); a read-only disk is not an error."""
        if self.path is None or not self._dirty:
            return
        payload = {"format": FORMAT, "version": __version__, "fingerprint": self.fingerprint,
                   "terms": {src: [list(sig), [term_to_dict(t) for t in terms]]
                             for src, (sig, terms) in self._entries.items()}}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".terms-", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as out:  # one write: json.dump's many small ones are slow
                out.write(json.dumps(payload, ensure_ascii=False, separators=(",", ":")))
            os.replace(tmp, self.path)
            self._dirty = False
        except OSError as exc:
            logger.warning("could not write term cache %s: %s", self.path, exc)
