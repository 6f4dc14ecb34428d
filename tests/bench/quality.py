"""Answer quality on the question tables, next to two simple baselines scored in the same run.

    python -m tests.bench.quality

Tables: the tuning table (tests/fixtures/questions.yaml, fixture pages) and the holdout table
(tests/fixtures/holdout/, pages and questions written after tuning, never tuned on).
Baselines: an exact-match bot (question == title, alias or FAQ question) and a one-shot rapidfuzz
WRatio over every FAQ question and heading (answers above 80).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from rapidfuzz import fuzz, process

from bot.analyzer import analyze
from bot.answer import Answer, Engine, Part
from bot.content import Paragraph
from bot.parts import PartRef
from tests.conftest import FIXTURES, INTENTS, PAGES
from tests.question_table import Row, judge, load_rows


def _key(text: str) -> str:
    return " ".join(t.stem for t in analyze(text))


class ExactBaseline:
    """Answers only when the whole question is a title, alias or FAQ question, ignoring case and punctuation."""

    def __init__(self, engine: Engine):
        self.table: dict[str, Answer] = {}
        for term in engine.glossary.terms:
            for name in (term.title, *term.aliases):
                self.table[_key(name)] = engine.answer_part(term.slug, "intent:definition")
            for entry in term.faq:
                self.table[_key(entry.question)] = engine.answer_part(term.slug, str(PartRef.faq(entry.question)))

    def ask(self, question: str) -> Answer:
        return self.table.get(_key(question)) or Answer("unknown", question)


class WRatioBaseline:
    """One rapidfuzz WRatio extractOne over every "term: FAQ question" and "term: heading"."""

    def __init__(self, engine: Engine):
        self.choices: list[str] = []
        self.parts: list[Answer] = []
        for term in engine.glossary.terms:
            for entry in term.faq:
                self.choices.append(entry.question)
                self.parts.append(engine.answer_part(term.slug, str(PartRef.faq(entry.question))))
            for i, section in enumerate(term.sections):
                self.choices.append(f"{term.title} {section.heading}")
                self.parts.append(Answer("answer", "", term, Part(f"section:{i}", section.heading, section.body)))
            self.choices.append(term.title)
            definition = Part("definition", "Definition", (Paragraph(term.definition),))
            self.parts.append(Answer("answer", "", term, definition))

    def ask(self, question: str) -> Answer:
        best = process.extractOne(question, self.choices, scorer=fuzz.WRatio, score_cutoff=80)
        return self.parts[best[2]] if best else Answer("unknown", question)


def rates(bot: object, rows: list[Row]) -> tuple[float, float]:
    on = [r for r in rows if not r.must_not_answer]
    off = [r for r in rows if r.must_not_answer]
    good_on = sum(judge(r, bot.ask(r.q)) is None for r in on)  # type: ignore[attr-defined]
    good_off = sum(judge(r, bot.ask(r.q)) is None for r in off)  # type: ignore[attr-defined]
    return good_on / len(on), good_off / len(off)


def holdout_engine(tmp: Path) -> Engine:
    for page in [*PAGES.glob("*.txt"), *(FIXTURES / "holdout" / "pages").glob("*.txt")]:
        shutil.copy(page, tmp / page.name)
    return Engine.load(tmp, INTENTS)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tables = {
            "tuning": (Engine.load(PAGES, INTENTS), load_rows(FIXTURES / "questions.yaml")),
            "holdout": (holdout_engine(Path(tmp)), load_rows(FIXTURES / "holdout" / "questions.yaml")),
        }
        print(f"{'table':8} {'bot':12} {'on-topic correct':>17} {'off-topic silent':>17}  rows")
        for name, (engine, rows) in tables.items():
            for label, bot in (("glossary-bot", engine), ("exact-match", ExactBaseline(engine)),
                               ("wratio", WRatioBaseline(engine))):
                on, off = rates(bot, rows)
                print(f"{name:8} {label:12} {on:>16.1%} {off:>17.1%}  {len(rows)}")
        engine, rows = tables["holdout"]
        misses = [(r.q, judge(r, engine.ask(r.q))) for r in rows if judge(r, engine.ask(r.q))]
        for q, why in misses:
            print(f"  holdout miss: {q!r}: {why}")


if __name__ == "__main__":
    main()
