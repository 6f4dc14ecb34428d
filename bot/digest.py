"""The weekly digest: the report's most pressing rows as a Slack message, for the digest channel and,
about their own terms only, for each owner. Pure: a Report in, (fallback text, blocks) out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.content import Glossary
from bot.owners import owner_kind
from bot.render import Blocks, context, cut, escape, mrkdwn
from bot.report import Report

ROWS = 5  # per section: a digest is read in a minute; the full list is in `glossary-bot report`


def period_of(day: dt.date) -> str:
    """The ISO week a digest belongs to ("2026-W48"): one digest per week, whichever replica posts it."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _section(title: str, lines: list[str]) -> dict[str, Any] | None:
    if not lines:
        return None
    more = f"\n_… and {len(lines) - ROWS} more_" if len(lines) > ROWS else ""
    return mrkdwn(cut(f"*{title}*\n" + "\n".join(lines[:ROWS]) + more, 3000))


def digest_blocks(report: Report, heading: str = "Glossary: this week") -> tuple[str, Blocks]:
    down = sorted((f for f in report.feedback if f["not_helpful"]), key=lambda f: -f["not_helpful"])
    sections = [
        _section("Asked, but not in the glossary", [
            f"• {u['count']}× “{escape(cut(u['question'], 150))}”" if u["question"] else f"• {u['count']}× (not logged)"
            for u in report.unanswered]),
        _section("Answers voted down", [
            f"• {escape(f['term'])} · {escape(f['part'])}: {f['not_helpful']} not helpful, {f['helpful']} helpful"
            for f in down]),
        _section("May be out of date", [
            f"• {escape(s['term'])}: " + (f"reviewed {s['last_reviewed']}" if s["last_reviewed"] else "never reviewed")
            for s in report.stale]),
        _section("Suggested terms", [
            f"• *{escape(cut(s['term'], 150))}*: {escape(cut(s['definition'], 200))}" for s in report.suggestions]),
    ]
    body = [s for s in sections if s is not None]
    blocks: Blocks = [{"type": "header", "text": {"type": "plain_text", "text": cut(heading, 150)}}]
    blocks += body or [mrkdwn("Nothing to review this week: every question found its term.")]
    blocks.append(context("The full list, and suggestions as ready-to-paste YAML: `glossary-bot report`"))
    counts = (f"{len(report.unanswered)} unanswered, {len(down)} answers voted down, {len(report.stale)} stale, "
              f"{len(report.suggestions)} suggested")
    return f"{heading}: {counts}", blocks


def owner_digests(report: Report, glossary: Glossary) -> dict[str, tuple[str, Blocks]]:
    """Per owner (a user, DMed; or a channel), the digest about their own terms, when there is anything."""
    owners: dict[str, set[str]] = {}
    for term in glossary.terms:
        if term.owner and owner_kind(term.owner) in ("user", "channel"):
            owners.setdefault(term.owner.strip(), set()).add(term.title)
    out = {}
    for owner, titles in sorted(owners.items()):
        mine = Report(feedback=[f for f in report.feedback if f["term"] in titles],
                      stale=[s for s in report.stale if s["term"] in titles])
        if any(f["not_helpful"] for f in mine.feedback) or mine.stale:
            out[owner] = digest_blocks(mine, "Your glossary terms: this week")
    return out


def digest_text(report: Report, glossary: Glossary) -> str:
    """What `glossary-bot digest --dry-run` prints: each message, where it would go, as plain text."""
    def plain(blocks: Blocks) -> str:
        lines = []
        for block in blocks:
            if block["type"] in ("header", "section"):
                lines.append(block["text"]["text"])
            elif block["type"] == "context":
                lines.extend(e["text"] for e in block["elements"])
        return "\n".join(lines)

    out = ["→ the digest channel (GLOSSARY_DIGEST_CHANNEL)", plain(digest_blocks(report)[1])]
    for owner, (_, blocks) in owner_digests(report, glossary).items():
        out += ["", f"→ {owner} (owner)", plain(blocks)]
    return "\n".join(out)
