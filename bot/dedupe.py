"""Which Slack events have been handled: an SQLite table shared by workers and kept across restarts."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

TTL_SECONDS = 15 * 60  # Slack retries for about 6 minutes; 15 keeps a wide margin over the 10 asked for
STALE_CLAIM_SECONDS = 60  # a claim this old that never finished was lost in a crash: a retry may take it


class EventLog:
    """claim(event_id) is True exactly once per event while its first delivery is being handled or done.

    A delivery claims the id when it arrives and marks it done after replying. A retry of a claimed
    id is dropped; a retry of an id never seen is handled (its first delivery never arrived); and a
    claim left behind by a crash goes stale, so the retry after a restart still gets its reply.
    """

    def __init__(self, path: Path | str, clock=time.time):
        self._clock = clock
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=5)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY, at REAL NOT NULL, done INTEGER"
                         " NOT NULL DEFAULT 0)")
        self._claims = 0

    def claim(self, event_id: str) -> bool:
        now = self._clock()
        with self._lock:
            inserted = self._db.execute("INSERT OR IGNORE INTO events (id, at) VALUES (?, ?)", (event_id, now))
            if inserted.rowcount == 1:
                self._claims += 1
                if self._claims % 500 == 0:
                    self._db.execute("DELETE FROM events WHERE at < ?", (now - TTL_SECONDS,))
                return True
            retaken = self._db.execute("UPDATE events SET at = ? WHERE id = ? AND done = 0 AND at < ?",
                                       (now, event_id, now - STALE_CLAIM_SECONDS))
            if retaken.rowcount == 1:
                return True
            expired = self._db.execute("UPDATE events SET at = ?, done = 0 WHERE id = ? AND at < ?",
                                       (now, event_id, now - TTL_SECONDS))
            return expired.rowcount == 1

    def done(self, event_id: str) -> None:
        with self._lock:
            self._db.execute("UPDATE events SET done = 1 WHERE id = ?", (event_id,))

    def close(self) -> None:
        with self._lock:
            self._db.close()
