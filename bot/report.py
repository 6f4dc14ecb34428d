"""The knowledge loop's report: what people asked that the glossary could not answer, how answers were
rated, which terms are stale, what was suggested, and which terms nobody asked about. Pure: the store's
rows and the glossary in, plain data out (JSON for scripts, text for people)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import yaml

from bot.content import Glossary, slugify
from bot.owners import stale_terms
from bot.store.base import Rows

TOP = 20  # rows per section in the text report and the digest


@dataclass(frozen=True)
class Report:
    unanswered: list[dict[str, Any]] = field(default_factory=list)
    feedback: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)
    stale: list[dict[str, Any]] = field(default_factory=list)
    suggestions: list[dict[str, Any]] = field(default_factory=list)
    never_asked: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"unanswered": self.unanswered, "feedback": self.feedback, "stale": self.stale,
                "suggestions": self.suggestions, "notes": self.notes, "never_asked": self.never_asked}


def _when(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%dT%H:%MZ")


def suggestion_yaml(term: str, definition: str, details: str, at: float) -> str:
    """A ready-to-paste term file. The bot never writes content: an owner reviews and adds it."""
    data: dict[str, Any] = {"title": term, "slug": slugify(term), "definition": definition}
    if details:
        data["sections"] = [{"heading": "Go deeper", "body": [{"paragraph": details}]}]
    head = f"# {slugify(term)}.yaml: suggested in Slack on {_when(at)[:10]}; review before adding\n"
    return head + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def build_report(rows: Rows, glossary: Glossary, today: dt.date, stale_days: int) -> Report:
    titles: dict[str, str] = {t.slug: t.title for t in glossary.terms}
    asked = {slug for slug, count, _ in rows.asked if count > 0}
    voted = {term for term, *_ in rows.votes}
    return Report(
        unanswered=[{"question": question, "count": int(count), "last_seen": _when(last)}
                    for _key, question, count, _first, last in rows.unanswered],
        feedback=[{"term": titles.get(term, term), "part": part, "helpful": int(up), "not_helpful": int(down)}
                  for term, part, up, down in rows.votes],
        notes=[{"term": titles.get(term, term), "part": part, "note": note} for term, part, note in rows.notes],
        stale=[{"term": t.title, "owner": t.owner, "last_reviewed": t.last_reviewed}
               for t in stale_terms(glossary.terms, today, stale_days)],
        suggestions=[{"term": term, "definition": definition, "yaml": suggestion_yaml(term, definition, details, at)}
                     for term, definition, details, at in rows.suggestions],
        never_asked=sorted(t.title for t in glossary.terms if t.slug not in asked and t.slug not in voted),
    )


def report_text(report: Report, days: int) -> str:
    """The report for a person at a terminal: each section a heading and its rows, most pressing first."""
    out = [f"Glossary report: the last {days} days"]

    def section(title: str, lines: list[str], empty: str) -> None:
        out.extend(["", title, *(lines[:TOP] or [f"  {empty}"])])
        if len(lines) > TOP:
            out.append(f"  … and {len(lines) - TOP} more (--json lists all)")

    section("Unanswered questions (asked, not in the glossary)", [
        f"  {u['count']:>4}×  {u['question'] or '(question text not logged)'}  (last {u['last_seen']})"
        for u in report.unanswered], "none")
    section("Feedback per answer (helpful / not helpful)", [
        f"  {f['term']} · {f['part']}: {f['helpful']} / {f['not_helpful']}"
        f" ({f['helpful'] / max(1, f['helpful'] + f['not_helpful']):.0%} helpful)" for f in report.feedback],
        "no votes yet")
    section("What people said was wrong", [f"  {n['term']} · {n['part']}: {n['note']}" for n in report.notes],
            "nothing")
    section("Stale terms (review is old or missing)", [
        f"  {s['term']}: {'reviewed ' + s['last_reviewed'] if s['last_reviewed'] else 'never reviewed'}"
        f"; owner {s['owner'] or 'none'}" for s in report.stale], "none")
    section("Suggested terms (ready-to-paste YAML)", [
        line for s in report.suggestions for line in ["", *("  " + row for row in s["yaml"].splitlines())]],
        "none")
    section("Terms nobody asked about", [f"  {title}" for title in report.never_asked], "none")
    return "\n".join(out)
