"""Every term's names as rows of the page index, looked up word by word when a question needs them.

A glossary's names are neither held in memory nor read at every start: the page index keeps one
row per way a name can be found — whole (words joined), by a word's surface or stem, by
two of its words written as one — and the linker reads the rows of the words a question holds,
keeping what it read. An identity `ident` orders names as the glossary does (title order, then the
term's own order of names), so ties break exactly as when the names were held in a list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Generic, TypeVar, cast, overload

from bot.content import Slug
from bot.names import Name

NAME_SCHEMA = """
CREATE TABLE IF NOT EXISTS name_keys (kind INTEGER NOT NULL, key TEXT NOT NULL, term INTEGER NOT NULL,
                                      name INTEGER NOT NULL, k INTEGER NOT NULL, size INTEGER NOT NULL,
                                      PRIMARY KEY (kind, key, term, name, k)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS name_keys_term ON name_keys (term);
CREATE TABLE IF NOT EXISTS name_words (word TEXT PRIMARY KEY, terms INTEGER NOT NULL) WITHOUT ROWID;
"""
# How a name is found by a key (`size`: the name's length in words): JOINED (its words without spaces), WORD (a
# word's surface, or "~" + its stem), PAIR (two neighbouring words as one), SHORT (an acronym or a
# one-word name, which a short typo may mean).
JOINED, WORD, PAIR, SHORT = 0, 1, 2, 3
# How many terms each name word is in, counted again when the index changes.
REFRESH_WORDS = "DELETE FROM name_words"
FILL_WORDS = """INSERT INTO name_words SELECT key, COUNT(DISTINCT term) FROM name_keys
                WHERE kind = 1 AND key NOT LIKE '~%' GROUP BY key"""
PREFIX_MIN, PREFIX_LONGEST = 3, 6  # as the linker's prefix matching reads them
SHIFT = 24  # ident = term position << SHIFT | the name's place among the term's names
KEPT_KEYS = 200_000  # looked-up keys kept at once
KEPT_NAMES = 65_536  # terms whose names are kept decoded at once

Row = tuple[int, str, int, int, int, int]
V = TypeVar("V")
D = TypeVar("D")


def name_rows(term: int, found: list[Name]) -> Iterable[Row]:
    """The rows that find a term's names (term: its row in the page index)."""
    for place, name in enumerate(found):
        size = len(name.tokens)
        yield JOINED, name.joined, term, place, 0, size
        if name.kind == "acronym" or size == 1:
            yield SHORT, name.joined, term, place, 0, size
        for k, tok in enumerate(name.tokens):
            for key in {tok.surface, "~" + tok.stem}:
                yield WORD, key, term, place, k, size
            if k + 1 < size:
                yield PAIR, tok.surface + name.tokens[k + 1].surface, term, place, k, size


class Lookup(Generic[V]):
    """A read-only mapping from key to what `fetch` reads for it, kept once read (bounded)."""

    def __init__(self, fetch: Callable[[str], V], empty: Callable[[V], bool]):
        self._fetch, self._empty = fetch, empty
        self._kept: dict[str, V] = {}

    def __getitem__(self, key: str) -> V:
        found = self._kept.get(key)
        if found is None:
            found = self._fetch(key)
            if len(self._kept) >= KEPT_KEYS:
                self._kept.clear()
            self._kept[key] = found
        return found

    def get(self, key: str, default: D) -> V | D:
        found = self[key]
        return default if self._empty(found) else found

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and not self._empty(self[key])


class Postings(Sequence[tuple[int, int]]):
    """A name word's (name, word index) pairs, counted at once and read only when iterated: the
    linker only counts those of a word in many names, which does not select names."""

    __slots__ = ("_count", "_key", "_rows", "_table")

    def __init__(self, count: int, table: NameTable, key: str):
        self._count, self._table, self._key = count, table, key
        self._rows: tuple[tuple[int, int], ...] | None = None

    def _all(self) -> tuple[tuple[int, int], ...]:
        if self._rows is None:
            self._rows = self._table.found(WORD, self._key)
        return self._rows

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> tuple[int, int]: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[tuple[int, int], ...]: ...

    def __getitem__(self, index: int | slice) -> tuple[int, int] | tuple[tuple[int, int], ...]:
        return self._all()[index]

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return iter(self._all())


Query = Callable[[str, tuple[object, ...]], list[tuple[object, ...]]]


class NameTable:
    """The names of the terms in `slugs` (title order), read through `query` from the page index;
    `position` maps a page-index row to its term's place in `slugs`, `names_of` gives a term's names."""

    def __init__(self, query: Query, slugs: list[Slug], position: dict[int, int],
                 names_of: Callable[[Slug], list[Name]]):
        self._query, self._slugs, self._position, self._names_of = query, slugs, position, names_of
        self._kept: dict[int, list[Name]] = {}
        self.size: dict[int, int] = {}  # ident → the name's length in words, for every name looked up
        # What is kept is immutable (tuples, frozensets): tuples of numbers and strings leave the cyclic
        # collector's books, so a busy engine's young collections stay short.
        self.by_joined: Lookup[tuple[int, ...]] = Lookup(lambda key: tuple(i for i, _ in self.found(JOINED, key)),
                                                         _none)
        self.by_word: Lookup[Postings] = Lookup(self._word, _none)
        self.by_pair: Lookup[tuple[tuple[int, int], ...]] = Lookup(lambda key: self.found(PAIR, key), _none)
        self.by_prefix: Lookup[tuple[str, ...]] = Lookup(self._prefixed, _none)
        self.short: Lookup[tuple[tuple[int, int], ...]] = Lookup(lambda key: self.found(SHORT, key), _none)
        self.df: Lookup[int] = Lookup(self._df, lambda n: n == 0)

    def found(self, kind: int, key: str) -> tuple[tuple[int, int], ...]:
        rows = cast(list[tuple[int, int, int, int]],
                    self._query("SELECT term, name, k, size FROM name_keys WHERE kind = ? AND key = ?", (kind, key)))
        position = self._position
        found = [(position[term] << SHIFT | place, k, size) for term, place, k, size in rows if term in position]
        self.size.update((ident, size) for ident, _, size in found)
        return tuple(sorted([(ident, k) for ident, k, _ in found]))

    def _word(self, key: str) -> Postings:
        rows = self._query("SELECT COUNT(*) FROM name_keys WHERE kind = 1 AND key = ?", (key,))
        return Postings(int(rows[0][0]), self, key)  # type: ignore[call-overload]

    def _prefixed(self, prefix: str) -> tuple[str, ...]:
        """Name words (letters only) that start with `prefix` and run at least two letters past it, sorted."""
        if not PREFIX_MIN <= len(prefix) <= PREFIX_LONGEST or not prefix.isalpha():
            return ()
        rows = self._query("SELECT DISTINCT key FROM name_keys WHERE kind = 1 AND key >= ? AND key < ?",
                           (prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)))
        return tuple(sorted({str(w) for (w,) in rows if str(w).isalpha() and len(str(w)) >= len(prefix) + 2}))

    def _df(self, word: str) -> int:
        rows = self._query("SELECT terms FROM name_words WHERE word = ?", (word,))
        return int(rows[0][0]) if rows else 0  # type: ignore[call-overload]

    def name(self, ident: int) -> tuple[Slug, Name]:
        position, place = ident >> SHIFT, ident & ((1 << SHIFT) - 1)
        found = self._kept.get(position)
        if found is None:
            found = self._names_of(self._slugs[position])
            if len(self._kept) >= KEPT_NAMES:
                self._kept.clear()
            self._kept[position] = found
        return self._slugs[position], found[place]

    def words(self) -> list[str]:
        """Every word of every name (its surface). Where two of them inflect alike ("route" + "s" and
        "rout" + "es"), the one the glossary uses first comes first, as it did when names were held in a
        list: the linker's inflection table keeps the last."""
        found = [str(w) for (w,) in self._query("SELECT word FROM name_words", ())]
        known = set(found)
        alike = {w for w in found if len(w) >= 4 and w.isalpha() and w + "e" in known}
        alike |= {w + "e" for w in alike}
        return [w for w in found if w not in alike] + sorted(alike, key=self._first_use)

    def _first_use(self, word: str) -> tuple[int, int, int]:
        rows = self._query("SELECT term, name, k FROM name_keys WHERE kind = 1 AND key = ?", (word,))
        return min(((self._position[int(t)], int(n), int(k)) for t, n, k in rows  # type: ignore[call-overload]
                    if t in self._position), default=(len(self._slugs), 0, 0))

    def longest(self) -> int:
        """The most words any name has."""
        rows = self._query("SELECT MAX(size) FROM name_keys WHERE kind = 0", ())
        return int(rows[0][0] or 1) if rows else 1  # type: ignore[call-overload]


class Names:
    """The (slug, Name) of an ident, as a list of names would give it."""

    def __init__(self, table: NameTable):
        self._table = table

    def __getitem__(self, ident: int) -> tuple[Slug, Name]:
        return self._table.name(ident)


def _none(found: object) -> bool:
    return not found
