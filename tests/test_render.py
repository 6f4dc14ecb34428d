"""Renderers: literal shapes for the main messages, and every message within Slack's limits."""

from __future__ import annotations

import json

import pytest

from bot.answer import Engine
from bot.render import answer_blocks, cut, escape, to_json, to_text
from bot.slack.ids import CHOOSE, EXAMPLE, PICK_PART, SHARE
from tests.conftest import FIXTURES
from tests.helpers import assert_valid_message
from tests.question_table import load_rows

QUESTIONS = [r.q for r in load_rows(FIXTURES / "questions.yaml")]


def test_answer_blocks_literal_shape(seed_engine: Engine) -> None:
    text, blocks = answer_blocks(seed_engine.ask("why does segment matter"))
    assert text == ("Segment: Why does Segment matter?\nSegment earns its place when it shapes a real decision. "
                    "The leverage is in correct use, not in the word itself.")
    assert blocks == [
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Segment*  ·  _Marketing Technology_\n"
                                                               "*Why does Segment matter?*"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "Segment earns its place when it shapes a real "
                                     "decision. The leverage is in correct use, not in the word itself."}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": (
            "Ask next: Definition, How it is used, How it works, Worked example, Where teams go wrong")}]},
    ]


def test_private_answer_carries_share_example_and_picker(engine: Engine) -> None:
    _, blocks = answer_blocks(engine.ask("why does CAC matter"), private=True)
    assert blocks[-2] == {"type": "context", "elements": [{"type": "mrkdwn", "text": (
        "<https://glossary.example.com/customer-acquisition-cost-cac#worked-example|Worked example and full page>")}]}
    actions = blocks[-1]["elements"]
    assert [e["action_id"] for e in actions] == [SHARE, EXAMPLE, PICK_PART]
    assert json.loads(actions[0]["value"]) == {"s": "customer-acquisition-cost-cac", "p": "faq:why-does-cac-matter"}
    assert [o["text"]["text"] for o in actions[2]["options"]] == [
        "Definition", "How it is used", "How it works", "Worked example", "Where teams go wrong"]


def test_worked_example_renders_its_table_as_a_table_block(engine: Engine) -> None:
    _, blocks = answer_blocks(engine.ask("CAC example"))
    table = next(b for b in blocks if b["type"] == "table")
    assert table["rows"][0] == [{"type": "raw_text", "text": t} for t in ("Month", "Spend", "New customers", "CAC")]
    assert len(table["rows"]) == 3


def test_shared_answer_says_who_shared_it(engine: Engine) -> None:
    _, blocks = answer_blocks(engine.ask("what is CTR"), shared_by="U42")
    assert "Shared by <@U42>" in blocks[-1]["elements"][0]["text"]


def test_did_you_mean_offers_buttons_and_escapes_the_question(engine: Engine) -> None:
    text, blocks = answer_blocks(engine.ask("<!channel> segment?"))
    assert text == "Did you mean: Segment (Marketing Technology), Segment (Analytics)?"
    assert "<!channel>" not in json.dumps(blocks)
    assert "&lt;!channel&gt; segment?" in blocks[0]["text"]["text"]
    assert [b["action_id"] for b in blocks[1]["elements"]] == [f"{CHOOSE}_0", f"{CHOOSE}_1"]


def test_unknown_reply_echoes_the_question_escaped_and_cut(engine: Engine) -> None:
    text, blocks = answer_blocks(engine.ask("what is <@U1> & <https://evil|kubernetes> " + "x" * 500))
    assert text.startswith("“what is &lt;@U1&gt; &amp; &lt;https://evil|kubernetes&gt;")
    assert text.endswith("…” is not in the glossary yet.")
    assert "<@U1>" not in json.dumps(blocks)


def test_text_and_json_for_the_command_line(seed_engine: Engine) -> None:
    answer = seed_engine.ask("Where do teams slip up on Segment?")
    assert to_text(answer).splitlines()[:3] == [
        "Segment (Marketing Technology)", "Where teams go wrong",
        "- One blanket rule. Applying Segment the same way everywhere. Split it by audience, channel, and "
        "business model."]
    data = to_json(answer)
    assert (data["answered"], data["term"], data["heading"], data["link"], data["suggestions"]) == (
        True, "Segment", "Where teams go wrong", None, [])
    assert data["text"] == to_text(answer)


def test_cut_stops_at_a_word_and_never_splits_an_entity() -> None:
    assert cut("alpha beta gamma", 12) == "alpha beta…"
    assert cut(escape("a" * 10 + " <<<<"), 16) == "aaaaaaaaaa…"


@pytest.mark.parametrize("private", [False, True])
def test_every_rendered_message_fits_slack_limits(engine: Engine, private: bool) -> None:
    for question in QUESTIONS:
        text, blocks = answer_blocks(engine.ask(question), private=private)
        assert_valid_message(text, blocks)
    for term in engine.glossary.terms:
        for ref, _ in engine.next_parts(term, None):
            assert_valid_message(*answer_blocks(engine.answer_part(term.slug, ref), private=private))
