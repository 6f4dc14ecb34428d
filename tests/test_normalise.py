"""Normalising Slack text: markup away, words kept, bounded work on any input."""

from __future__ import annotations

import pytest

from bot.normalise import MAX_TOKENS, stem, strip_markup, tokens


@pytest.mark.parametrize(("text", "expected"), [
    ("<@U123> what is CAC?", ["what", "is", "cac"]),
    ("<@U123|glossary> hi", ["hi"]),
    ("see <#C1|attribution> pls", ["see", "attribution", "pls"]),
    ("<!here> <!channel> <!subteam^S1|@growth> CTR", ["ctr"]),
    ("<https://x.example.com/ctr|CTR> example", ["ctr", "example"]),
    ("<https://x.example.com/roas> example", ["example"]),
    ("what's :thinking_face: A&amp;B &lt;test&gt;", ["what", "is", "a", "b", "test"]),
    ("What's *CHURN* _rate_ ~now~ `code`", ["what", "is", "churn", "rate", "now", "code"]),
    ("  lots\tof\n\nspace  ", ["lot", "of", "space"]),
])
def test_slack_markup_and_punctuation_are_normalised(text: str, expected: list[str]) -> None:
    assert tokens(text) == expected


def test_control_and_bidi_characters_are_dropped() -> None:
    assert tokens("wh\u202eat\u200b is\x00CTR\u2066") == ["what", "is", "ctr"]


def test_entities_decode_once_so_escaped_markup_stays_text() -> None:
    assert strip_markup("&amp;lt;!channel&amp;gt;") == "&lt;!channel&gt;"


@pytest.mark.parametrize(("word", "singular"), [
    ("segments", "segment"), ("strategies", "strategy"), ("churches", "church"), ("analytics", "analytics"),
    ("business", "business"), ("ads", "ads"), ("rates", "rate"), ("status", "status"), ("kpis", "kpis"),
])
def test_plurals_are_singularised(word: str, singular: str) -> None:
    assert stem(word) == singular


def test_huge_input_is_bounded() -> None:
    assert len(tokens("segment " * 40_000)) == MAX_TOKENS
    assert tokens("<" * 40_000 + "@U1>") == []
