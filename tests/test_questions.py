"""The question table: every row is one test, so a failure names the question."""

from __future__ import annotations

import pytest

from bot.answer import Engine
from tests.conftest import FIXTURES
from tests.question_table import judge, load_rows

ROWS = load_rows(FIXTURES / "questions.yaml")


@pytest.mark.parametrize("row", [pytest.param(r, marks=pytest.mark.xfail(reason=r.miss)) if r.miss else r
                                 for r in ROWS], ids=[r.q for r in ROWS])
def test_question_table_row(engine: Engine, row) -> None:
    problem = judge(row, engine.ask(row.q))
    assert problem is None, problem


def test_known_misses_stay_few() -> None:
    assert sum(r.miss is not None for r in ROWS) <= len(ROWS) // 40


def test_table_covers_every_kind_of_row() -> None:
    assert sum(r.must_not_answer for r in ROWS) >= 30
    assert sum(bool(r.choices) for r in ROWS) >= 3
    assert sum(r.term is not None for r in ROWS) >= 80
