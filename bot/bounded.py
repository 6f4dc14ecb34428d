"""Caches kept per engine, bounded: the oldest entry goes when one is full. Safe when the event loop
and worker threads fill one cache at once (two may evict together; neither raises)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


def keep(store: dict[K, V], key: K, value: V, limit: int) -> V:
    if len(store) >= limit:
        with contextlib.suppress(StopIteration, KeyError, RuntimeError):
            store.pop(next(iter(store)))
    store[key] = value
    return value


_MISSING = object()


def remembered(store: dict[K, V], key: K, make: Callable[[], V], limit: int) -> V:
    """The value kept for `key`, made (and kept) on first use."""
    found = store.get(key, _MISSING)
    return keep(store, key, make(), limit) if found is _MISSING else found  # type: ignore[return-value]
