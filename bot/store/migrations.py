"""Schema versions, applied in order at start-up and recorded in `schema_migrations`. A version is
never edited once released: a change is a new version. Each has its SQLite and PostgreSQL text."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sqlite: tuple[str, ...]
    postgres: tuple[str, ...]


MIGRATIONS_TABLE = ("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                    " applied_at DOUBLE PRECISION NOT NULL)")

MIGRATIONS: tuple[Migration, ...] = (
    # The event log this bot always had: a file from before migrations already holds it, unchanged.
    Migration(1, "events", (
        "CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY, at REAL NOT NULL, done INTEGER NOT NULL DEFAULT 0)",
    ), (
        "CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY, at DOUBLE PRECISION NOT NULL,"
        " done INTEGER NOT NULL DEFAULT 0)",
        "CREATE INDEX IF NOT EXISTS events_at ON events (at)",
    )),
    # The knowledge loop. Votes keep the latest state per person and answer (0: taken back); unanswered
    # questions are counted per normalised form and place, never per person.
    Migration(2, "knowledge loop", (
        "CREATE TABLE votes (voter TEXT NOT NULL, answer_id TEXT NOT NULL, term TEXT NOT NULL, part TEXT NOT NULL,"
        " value INTEGER NOT NULL, message_ts TEXT NOT NULL, question TEXT, note TEXT, at REAL NOT NULL,"
        " PRIMARY KEY (voter, answer_id))",
        "CREATE TABLE unanswered (key TEXT NOT NULL, place TEXT NOT NULL, question TEXT, count INTEGER NOT NULL,"
        " first_seen REAL NOT NULL, last_seen REAL NOT NULL, PRIMARY KEY (key, place))",
        "CREATE TABLE asked (term TEXT PRIMARY KEY, count INTEGER NOT NULL, last_seen REAL NOT NULL)",
        "CREATE TABLE suggestions (id INTEGER PRIMARY KEY AUTOINCREMENT, term TEXT NOT NULL, definition TEXT NOT NULL,"
        " details TEXT NOT NULL, at REAL NOT NULL)",
        "CREATE TABLE digests (period TEXT PRIMARY KEY, at REAL NOT NULL)",
    ), (
        "CREATE TABLE votes (voter TEXT NOT NULL, answer_id TEXT NOT NULL, term TEXT NOT NULL, part TEXT NOT NULL,"
        " value INTEGER NOT NULL, message_ts TEXT NOT NULL, question TEXT, note TEXT, at DOUBLE PRECISION NOT NULL,"
        " PRIMARY KEY (voter, answer_id))",
        "CREATE TABLE unanswered (key TEXT NOT NULL, place TEXT NOT NULL, question TEXT, count INTEGER NOT NULL,"
        " first_seen DOUBLE PRECISION NOT NULL, last_seen DOUBLE PRECISION NOT NULL, PRIMARY KEY (key, place))",
        "CREATE TABLE asked (term TEXT PRIMARY KEY, count INTEGER NOT NULL, last_seen DOUBLE PRECISION NOT NULL)",
        "CREATE TABLE suggestions (id BIGSERIAL PRIMARY KEY, term TEXT NOT NULL, definition TEXT NOT NULL,"
        " details TEXT NOT NULL, at DOUBLE PRECISION NOT NULL)",
        "CREATE TABLE digests (period TEXT PRIMARY KEY, at DOUBLE PRECISION NOT NULL)",
    )),
)

LATEST = MIGRATIONS[-1].version
TABLES = frozenset({"schema_migrations", "events", "votes", "unanswered", "asked", "suggestions", "digests"})


def pending(applied: set[int]) -> list[Migration]:
    return [m for m in MIGRATIONS if m.version not in applied]
