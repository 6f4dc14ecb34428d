"""Who owns a term and how fresh it is: mentions built only from validated Slack ids, the "Owner ·
reviewed" line answers carry, and which terms are stale. Pure functions, no Slack, no environment."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from bot.content import Term
from bot.render import escape

USER_RE = re.compile(r"^[UW][A-Z0-9]{1,20}$")
GROUP_RE = re.compile(r"^S[A-Z0-9]{2,20}$")
CHANNEL_RE = re.compile(r"^[CG][A-Z0-9]{2,20}$")
STALE_NOTE = "may be out of date"


def owner_kind(owner: str | None) -> str | None:
    """"user", "group" or "channel" for a Slack id; None for anything else (a team name, say)."""
    owner = (owner or "").strip()
    for kind, pattern in (("user", USER_RE), ("group", GROUP_RE), ("channel", CHANNEL_RE)):
        if pattern.match(owner):
            return kind
    return None


def owner_mention(owner: str | None) -> str | None:
    """<@U…>, <!subteam^S…> or <#C…> for a validated id; other text escaped, never markup."""
    if not owner or not owner.strip():
        return None
    owner = owner.strip()
    kind = owner_kind(owner)
    if kind == "user":
        return f"<@{owner}>"
    if kind == "group":
        return f"<!subteam^{owner}>"
    if kind == "channel":
        return f"<#{owner}>"
    return escape(owner)


def reviewed_on(term: Term) -> dt.date | None:
    try:
        return dt.date.fromisoformat(term.last_reviewed) if term.last_reviewed else None
    except ValueError:
        return None


def is_stale(term: Term, today: dt.date, stale_days: int) -> bool:
    """Never reviewed, or reviewed longer ago than `stale_days`."""
    reviewed = reviewed_on(term)
    return reviewed is None or (today - reviewed).days > stale_days


def freshness_line(term: Term, today: dt.date, stale_days: int) -> str:
    """"<@U1> · reviewed 2026-09-14", with "may be out of date" when the review is old or missing."""
    parts = [mention for mention in [owner_mention(term.owner)] if mention]
    reviewed = reviewed_on(term)
    if reviewed:
        parts.append(f"reviewed {reviewed.isoformat()}")
    if is_stale(term, today, stale_days):
        parts.append(f"_{STALE_NOTE}_")
    return " · ".join(parts)


def stale_terms(terms: Iterable[Term], today: dt.date, stale_days: int) -> list[Term]:
    return [t for t in terms if is_stale(t, today, stale_days)]


def stale_warning(term: Term, today: dt.date, stale_days: int) -> str:
    """One sentence for `check`: file, term, when it was reviewed, who owns it."""
    reviewed = reviewed_on(term)
    when = f"last reviewed {reviewed.isoformat()}, over {stale_days} days ago" if reviewed else "never reviewed"
    owner = f"; owner {term.owner}" if term.owner else "; no owner"
    return f"{term.source or term.slug}: last_reviewed: {term.title} may be out of date ({when}{owner})"
