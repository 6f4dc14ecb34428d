"""Hostile and huge input: never a crash, never a broadcast or an echoed mention, always within limits."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.analyzer import analyze
from bot.answer import Engine
from bot.content import Bullets, FaqEntry, Glossary, Paragraph, Section, Slug, Table, Term
from bot.intents import load_intents
from bot.matcher import Matcher
from bot.normalise import MAX_TOKENS
from bot.render import answer_blocks, split_text
from bot.slack.replies import definitions_in
from bot.views import explain_blocks, home_view
from tests.conftest import INTENTS
from tests.helpers import assert_valid_message
from tests.slack_harness import SlackHarness
from tests.slack_standin import SlackStandIn


def tokens(text: str) -> list[str]:
    return [t.surface for t in analyze(text)]


HOSTILE = {
    "40k characters": "what is CTR? " + "x" * 40_000,
    "40k of one word": "segment " * 5_000,
    "control characters": "what\x00 is\x07 \x1b[31mCTR\x1b[0m\x7f?",
    "nested markup": "<" * 5_000 + "@U1" + ">" * 5_000 + " what is CTR",
    "unclosed markup": "<@U1|" * 5_000,
    "emoji wall": ":tada:" * 7_000 + " ROAS",
    "rtl override": "\u202ewhat is \u202dCTR\u202c \u2067ROAS\u2069",
    "regex bomb": "<" + "a|" * 20_000 + ">" + "&amp;" * 5_000 + "(" * 10_000,
    "broadcasts": "<!channel> <!here> <!everyone> <!subteam^S1|@growth> @here what is kubernetes",
    "mention of someone": "<@U999|ceo> is <#C1|general> the place to ask what is synergy?",
    "zero width": "C\u200bT\u200bR",
    "surrogates and odd unicode": "what is \ud800 \U0001f4a9 \ufeff CTR",
    "only whitespace": " \n\t " * 1_000,
}
BROADCASTS = ("<!channel", "<!here", "<!everyone", "<!subteam", "<@U")


def assert_safe_message(text: str, blocks: list[dict], limit: int = 50) -> None:
    assert_valid_message(text, blocks, limit)
    rendered = text + json.dumps(blocks, ensure_ascii=False)
    for marker in BROADCASTS:
        assert marker not in rendered, marker


@pytest.mark.parametrize("question", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_questions_get_safe_replies(engine: Engine, question: str) -> None:
    answer = engine.ask(question)
    for private in (False, True):
        assert_safe_message(*answer_blocks(answer, private=private))
    assert_safe_message(*explain_blocks(definitions_in(engine, question)))


def test_work_per_question_is_bounded() -> None:
    assert len(tokens("word " * 100_000)) == MAX_TOKENS
    assert tokens("x" * 4_000 + " CTR") == tokens("x" * 400_000 + " CTR")  # only the first 4,000 characters


def test_hostile_messages_never_stop_the_app_or_reach_the_channel_as_broadcasts(slack: SlackHarness,
                                                                                 standin: SlackStandIn) -> None:
    for question in HOSTILE.values():
        assert slack.mention(question).status == 200
        assert slack.message(question).status == 200
        form_safe = question[:4000].encode("utf-8", "replace").decode()  # a form body is valid UTF-8
        assert slack.command(form_safe).status == 200
    slack.mention("what is CTR?", channel="CLAST")
    slack.wait_until_handled()  # every reply is in, not only those that came before CLAST's
    assert any(p["channel"] == "CLAST" for p in standin.posts)
    assert slack.get("/healthz").status == 200
    for message in [*standin.posts, *standin.ephemerals]:
        assert_safe_message(message["text"], message.get("blocks") or [])
        assert "link_names" not in message and "parse" not in message


# ---- properties -------------------------------------------------------------------------------------

ANY_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=600)
SLACKISH = st.lists(st.sampled_from(["<@U1>", "<!here>", "<#C1|x>", "<https://a|b>", ":tada:", "&amp;", "&lt;",
                                     "what is", "CTR", "ROAS", "segment", "?", "<", ">", "|", "&", " ", "\u202e",
                                     "why", "mistakes", "example", "churn rate"]), max_size=60).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(ANY_TEXT, SLACKISH))
def test_any_text_normalises_matches_and_renders_safely(engine: Engine, text: str) -> None:
    assert len(tokens(text)) <= MAX_TOKENS
    answer = engine.ask(text)
    assert answer.kind in ("answer", "choices", "unknown")
    assert_safe_message(*answer_blocks(answer, private=True))
    assert_safe_message(*answer_blocks(answer))


LONG = st.text(alphabet=st.sampled_from("ab &<>*_~`:!@#\n"), min_size=0, max_size=9_000)


@settings(max_examples=60, deadline=None)
@given(title=st.text(min_size=1, max_size=300).filter(str.strip), paragraphs=st.lists(LONG, max_size=12),
       bullets=st.lists(LONG, max_size=40), rows=st.lists(st.lists(LONG, min_size=3, max_size=3), max_size=150))
def test_any_content_renders_within_block_kit_limits(title: str, paragraphs: list[str], bullets: list[str],
                                                     rows: list[list[str]]) -> None:
    body: tuple[Paragraph | Bullets | Table, ...] = (
        *(Paragraph(p) for p in paragraphs), Bullets(tuple(bullets)),
        Table(("A", "B", "C"), tuple(tuple(r) for r in rows)))
    term = Term(slug=Slug("t"), title=title, definition=paragraphs[0] if paragraphs else "d", field="F <!here>",
                sections=(Section("Worked example", body), Section("Where teams go wrong", body)),
                faq=(FaqEntry("What is it?", "x" * 5_000),), url="https://example.com/t")
    glossary = Glossary.of([term])
    engine = Engine(glossary, Matcher(glossary, load_intents(INTENTS)))
    for ref, _ in engine.next_parts(term, None):
        answer = engine.answer_part("t", ref)
        for private in (False, True):
            text, blocks = answer_blocks(answer, private=private)
            assert_safe_message(text, blocks)
            if sum(len(_text_of(b)) for b in blocks) < sum(len(p) for p in paragraphs):
                assert "Read the rest on the glossary page" in json.dumps(blocks)
    assert_safe_message("home", home_view(glossary)["blocks"], limit=100)


def _text_of(block: dict) -> str:
    text = block.get("text", "")
    return text if isinstance(text, str) else text.get("text", "")  # a markdown block's text is a string


@given(st.text(max_size=20_000), st.integers(min_value=10, max_value=3_000))
@settings(deadline=None)
def test_split_text_keeps_every_word_and_respects_the_limit(text: str, limit: int) -> None:
    pieces = split_text(text, limit)
    assert all(len(p) <= limit for p in pieces)
    # Only whitespace (in str.split's sense, which includes e.g. \x1f) may go, at the cuts.
    assert "".join("".join(pieces).split()) == "".join(text.split())
