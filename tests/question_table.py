"""The question table (tests/fixtures/questions.yaml) and how a row is judged; used by tests and reports."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.answer import Answer, Engine


@dataclass(frozen=True)
class Row:
    q: str
    term: str | None = None
    heading: str | None = None
    choices: tuple[str, ...] = ()
    miss: str | None = None  # a known miss, with why: the test expects it to fail until fixed

    @property
    def must_not_answer(self) -> bool:
        return self.term is None and not self.choices


def load_rows(path: Path) -> list[Row]:
    return [Row(r["q"], r.get("term"), r.get("heading"), tuple(r.get("choices", ())), r.get("miss")) for r in
            yaml.safe_load(path.read_text(encoding="utf-8"))]


def judge(row: Row, answer: Answer) -> str | None:
    """None when the answer is what the row expects, else what went wrong."""
    if row.term:
        got = (answer.term.slug if answer.term else None, answer.part.heading if answer.part else None)
        return None if answer.answered and got == (row.term, row.heading) else f"expected {row.term} / " \
            f"{row.heading}, got {answer.kind} {got} {[o.slug for o in answer.options]}"
    if row.choices:
        offered = [o.slug for o in answer.options]
        return None if answer.kind == "choices" and set(row.choices) <= set(offered) else \
            f"expected choices {list(row.choices)}, got {answer.kind} {offered}"
    return None if not answer.answered else f"must not be answered, got {answer.term.slug if answer.term else None}"


def score(engine: Engine, rows: list[Row]) -> dict[str, float]:
    on_topic = [r for r in rows if not r.must_not_answer]
    off = [r for r in rows if r.must_not_answer]
    ok_on = sum(judge(r, engine.ask(r.q)) is None for r in on_topic)
    ok_off = sum(judge(r, engine.ask(r.q)) is None for r in off)
    return {"on_topic": len(on_topic), "on_topic_correct": ok_on / max(1, len(on_topic)),
            "off_topic": len(off), "off_topic_silent": ok_off / max(1, len(off))}
