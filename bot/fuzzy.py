"""Typo correction for single words against a known vocabulary, in time independent of its size."""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz.distance import OSA

MIN_LEN = 5  # by default shorter words are never corrected: "lunch" is not a typo of "launch"


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


class Speller:
    """A one-edit symmetric-delete index (the SymSpell idea).

    Every vocabulary word and each of its one-letter deletions point back at the word, so a query
    finds all words within one insertion, deletion, substitution or transposition by looking up
    itself and its own deletions: a handful of dict look-ups however large the glossary is.
    """

    def __init__(self, vocabulary: Iterable[str], min_len: int = MIN_LEN):
        self.min_len = min_len
        index: dict[str, list[str]] = {}
        for word in set(vocabulary):
            if len(word) < min_len:
                continue
            for key in (word, *_deletes(word)):
                index.setdefault(key, []).append(word)
        # Tuples of strings leave the cyclic collector's books: a 100,000-term index is ~80,000 lists.
        self._index: dict[str, tuple[str, ...]] = {key: tuple(found) for key, found in index.items()}

    def correct(self, word: str) -> str | None:
        """The closest vocabulary word one edit away (a transposition counts as one), or None."""
        if len(word) < self.min_len:
            return None
        found: set[str] = set()
        for key in (word, *_deletes(word)):
            found.update(self._index.get(key, ()))
        close = [w for w in found if OSA.distance(word, w, score_cutoff=1) <= 1 and w != word]
        # Ties (rare) go to the longer word, then alphabetically, so answers are deterministic.
        return min(close, key=lambda w: (-len(w), w)) if close else None
