"""What every state store offers, whatever holds it: the errors, the records, and the async interface
the Slack door uses (it never blocks the event loop on a store)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol

TTL_SECONDS = 15 * 60  # Slack retries for about 6 minutes; 15 keeps a wide margin over the 10 asked for
STALE_CLAIM_SECONDS = 60  # a claim this old that never finished was lost in a crash: a retry may take it
BUDGET_SECONDS = 1.5  # a store call from a request gives up after this (acks are due within 3 s)
PURGE_EVERY = 500  # claims between sweeps of expired event ids
PLACES = ("dm", "channel", "command")


class StoreError(Exception):
    """The state store cannot be used at all: the message is a sentence naming it and the setting."""


class StoreUnavailable(Exception):
    """One call failed (the database went away, a table is missing): this request is not handled now."""


class StoreBusy(StoreUnavailable):
    """The store did not answer within its time budget (another process holds the write lock, a slow disk)."""


@dataclass(frozen=True)
class Vote:
    """One click on an answer's feedback buttons. `value` is 1 (helpful) or -1 (not helpful)."""

    voter: str
    answer_id: str
    term: str
    part: str
    value: int
    message_ts: str = ""
    question: str | None = None


@dataclass(frozen=True)
class Suggestion:
    term: str
    definition: str
    details: str = ""


@dataclass(frozen=True)
class Rows:
    """What the report reads: plain tuples, newest first where it matters."""

    unanswered: list[tuple[str, str | None, int, float, float]]  # key, question, count, first_seen, last_seen
    votes: list[tuple[str, str, int, int]]  # term, part, helpful, not_helpful
    notes: list[tuple[str, str, str]]  # term, part, what was wrong
    suggestions: list[tuple[str, str, str, float]]  # term, definition, details, at
    asked: list[tuple[str, int, float]]  # term slug, answers given, last answered


def question_key(normalised: str, keep_text: bool) -> str:
    """How an unanswered question is grouped: its normalised form, or, when questions are not logged,
    a digest of it (counts still group, and no words are kept)."""
    if keep_text:
        return normalised
    return "sha256:" + hashlib.sha256(normalised.encode()).hexdigest()[:32]


def vote_after(previous: int | None, clicked: int) -> int:
    """Slack's feedback buttons toggle and never say a vote was taken back: a second click on the button
    already pressed takes the vote back (0); the other button switches it."""
    return 0 if previous == clicked else clicked


class Store(Protocol):
    """The async interface. Event ids (`aclaim`/`adone`), click replays (`aclaim_once`) and the knowledge
    loop: votes, unanswered questions, suggestions, answers given, and the weekly digest's turn."""

    description: str

    async def start(self) -> None: ...
    async def aclaim(self, event_id: str) -> bool: ...
    async def aclaim_once(self, key: str) -> bool: ...
    async def adone(self, event_id: str) -> None: ...
    async def health(self) -> str: ...
    async def record_vote(self, vote: Vote) -> int: ...
    async def note_vote(self, voter: str, answer_id: str, note: str) -> None: ...
    async def record_unanswered(self, key: str, question: str | None, place: str) -> None: ...
    async def withdraw_unanswered(self, key: str) -> None: ...
    async def record_answered(self, term: str) -> None: ...
    async def add_suggestion(self, suggestion: Suggestion) -> None: ...
    async def claim_digest(self, period: str) -> bool: ...
    async def rows(self, since: float) -> Rows: ...
    async def aclose(self) -> None: ...
