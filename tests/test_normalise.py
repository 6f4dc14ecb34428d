"""Normalising Slack text: markup away, words kept, bounded work on any input."""

from __future__ import annotations

import pytest

from bot.analyzer import analyze, stem
from bot.normalise import MAX_TOKENS, strip_markup


def tokens(text: str) -> list[str]:
    return [t.surface for t in analyze(text)]


@pytest.mark.parametrize(("text", "expected"), [
    ("<@U123> what is CAC?", ["what", "is", "cac"]),
    ("<@U123|glossary> hi", ["hi"]),
    ("see <#C1|attribution> pls", ["see", "attribution", "pls"]),
    ("<!here> <!channel> <!subteam^S1|@growth> CTR", ["ctr"]),
    ("<https://x.example.com/ctr|CTR> example", ["ctr", "example"]),
    ("<https://x.example.com/roas> example", ["example"]),
    ("what's :thinking_face: A&amp;B &lt;test&gt;", ["what", "is", "a", "b", "test"]),
    ("What's *CHURN* _rate_ ~now~ `code`", ["what", "is", "churn", "rate", "now", "code"]),
    ("  lots\tof\n\nspace  ", ["lots", "of", "space"]),
    ("is p=0.05 on sha256?", ["is", "p", "0.05", "on", "sha", "256"]),
])
def test_slack_markup_and_punctuation_are_normalised(text: str, expected: list[str]) -> None:
    assert tokens(text) == expected


def test_control_and_bidi_characters_are_dropped() -> None:
    assert tokens("wh\u202eat\u200b is\x00CTR\u2066") == ["what", "is", "ctr"]


def test_entities_decode_once_so_escaped_markup_stays_text() -> None:
    assert strip_markup("&amp;lt;!channel&amp;gt;") == "&lt;!channel&gt;"


@pytest.mark.parametrize(("forms", "same"), [
    (("segments", "segment"), True), (("escalating", "escalation", "escalate"), True), (("kpis", "kpi"), True),
    (("strategies", "strategy"), True), (("rates", "rate"), True), (("analytics", "analysis"), False),
])
def test_word_forms_meet_at_one_stem(forms: tuple[str, ...], same: bool) -> None:
    assert (len({stem(w) for w in forms}) == 1) is same


def test_huge_input_is_bounded() -> None:
    assert len(tokens("segment " * 40_000)) == MAX_TOKENS
    assert tokens("<" * 40_000 + "@U1>") == []
