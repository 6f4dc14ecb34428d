"""Caches kept per engine, bounded: the oldest entry goes when one is full. Safe when the event loop
and worker threads fill one cache at once (two may evict together; neither raises)."""

from __future__ import annotations

import contextlib
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


def keep(store: dict[K, V], key: K, value: V, limit: int) -> V:
    if len(store) >= limit:
        with contextlib.suppress(StopIteration, KeyError, RuntimeError):
            store.pop(next(iter(store)))
    store[key] = value
    return value
