"""Issue #11's report and digest as plain data: suggestions are term files the loader accepts, the text
report names every section, and the digest fits Slack's limits however much there is to say."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml
from slack_sdk.models.blocks import Block

from bot.answer import Engine
from bot.digest import digest_blocks, period_of
from bot.loader import load_glossary
from bot.report import build_report, report_text, suggestion_yaml
from bot.store.base import Rows

TODAY = dt.date(2026, 11, 29)


def _rows(many: int = 1) -> Rows:
    return Rows(
        unanswered=[(f"k{i}", f"what is thing {i}?", 100 - i, 1.7e9, 1.8e9) for i in range(many)],
        votes=[("churn-rate", "faq:what-is-churn-rate", 3, 1)] * many,
        notes=[("churn-rate", "faq:what-is-churn-rate", "old numbers")],
        suggestions=[("Kubernetes: <the> \"cluster\" thing", "Runs containers: #1 & more", "See k8s.io", 1.8e9)],
        asked=[("churn-rate", 4, 1.8e9)])


def test_a_suggestion_is_a_term_file_the_glossary_accepts(tmp_path: Path) -> None:
    text = suggestion_yaml("Kubernetes: <the> \"cluster\" thing", "Runs containers: #1 & more", "Details here.", 1.8e9)
    assert text.startswith("# kubernetes-the-cluster-thing.yaml: suggested in Slack on 2027-01-15")
    (tmp_path / "kubernetes-the-cluster-thing.yaml").write_text(text)
    term = load_glossary(tmp_path).terms[0]
    assert (term.title, term.definition) == ("Kubernetes: <the> \"cluster\" thing", "Runs containers: #1 & more")
    assert yaml.safe_load(text)["sections"][0]["body"] == [{"paragraph": "Details here."}]


def test_the_report_groups_rates_and_lists_stale_and_never_asked_terms(engine: Engine) -> None:
    report = build_report(_rows(), engine.glossary, TODAY, 180)
    assert report.unanswered == [{"question": "what is thing 0?", "count": 100, "last_seen": "2027-01-15T08:00Z"}]
    assert report.feedback == [{"term": "Churn rate", "part": "faq:what-is-churn-rate", "helpful": 3,
                                "not_helpful": 1}]
    assert "Churn rate" not in report.never_asked and "A/B test" in report.never_asked
    assert {s["term"] for s in report.stale} >= {"A/B test"}
    text = report_text(report, 30)
    for heading in ("Unanswered questions", "Feedback per answer", "What people said was wrong", "Stale terms",
                    "Suggested terms", "Terms nobody asked about"):
        assert heading in text
    assert "Churn rate · faq:what-is-churn-rate: 3 / 1 (75% helpful)" in text


def test_the_digest_fits_slack_limits_however_long_the_report(engine: Engine) -> None:
    text, blocks = digest_blocks(build_report(_rows(many=400), engine.glossary, TODAY, 1))
    assert text.startswith("Glossary: this week: 400 unanswered")
    assert len(blocks) <= 50
    for block in blocks:
        Block.parse(block).validate_json()  # type: ignore[union-attr]
    assert "&lt;the&gt;" in str(blocks) and "<the>" not in str(blocks)  # suggestions are escaped


def test_a_digest_period_is_an_iso_week() -> None:
    assert period_of(dt.date(2026, 11, 29)) == "2026-W48" and period_of(dt.date(2027, 1, 1)) == "2026-W53"
