"""Current Block Kit: long sections as `markdown` blocks within Slack's limits, and the message metadata
every answer post carries (term slug and part key, beside the reply id)."""

from __future__ import annotations

import json

from bot.answer import Answer, Engine
from bot.content import Bullets, Glossary, Paragraph, Section, Slug, Table, Term
from bot.intents import load_intents
from bot.matcher import Matcher
from bot.render import MARKDOWN_CHARS, answer_blocks, answer_metadata, escape_markdown
from bot.slack.delivery import REPLY_EVENT_TYPE
from tests.conftest import INTENTS
from tests.helpers import actions_of, assert_valid_message
from tests.slack_harness import SlackHarness
from tests.slack_standin import SlackStandIn

SENTENCE = "Teams that skip the baseline end up comparing a campaign with nothing at all. "


def engine_with(*body: Paragraph | Bullets | Table) -> Engine:
    term = Term(slug=Slug("t"), title="Term", definition="A short definition.", field="F",
                sections=(Section("Where teams go wrong", tuple(body)),), url="https://example.com/t")
    glossary = Glossary.of([term])
    return Engine(glossary, Matcher(glossary, load_intents(INTENTS)))


def pitfalls(engine: Engine) -> Answer:
    return engine.answer_part("t", "intent:pitfalls")


def test_a_long_section_is_one_markdown_block() -> None:
    text, blocks = answer_blocks(pitfalls(engine_with(Paragraph(SENTENCE * 10))))
    assert [b["type"] for b in blocks] == ["section", "markdown", "context"]
    assert blocks[1] == {"type": "markdown", "text": SENTENCE * 10}
    assert_valid_message(text, blocks)


def test_many_short_lines_are_one_markdown_block_with_a_real_list() -> None:
    _, blocks = answer_blocks(pitfalls(engine_with(Paragraph("Watch for these:"),
                                                   Bullets(tuple(f"mistake {i}" for i in range(7))))))
    assert blocks[1]["type"] == "markdown"
    assert blocks[1]["text"] == "Watch for these:\n\n" + "\n".join(f"- mistake {i}" for i in range(7))


def test_a_short_section_stays_a_mrkdwn_section() -> None:
    _, blocks = answer_blocks(pitfalls(engine_with(Paragraph(SENTENCE), Bullets(("one", "two")))))
    assert [b["type"] for b in blocks] == ["section", "section", "context"]
    assert blocks[1]["text"]["text"] == SENTENCE + "\n• one\n• two"


def test_markdown_text_never_becomes_slack_markup_mentions_or_markdown_structure() -> None:
    hostile = "<!channel> <@U1> [click](https://evil.example) *bold* `code` a|b & c\n# heading\n1. one\n- dash "
    text, blocks = answer_blocks(pitfalls(engine_with(Paragraph(hostile * 8))))
    markdown = blocks[1]["text"]
    assert blocks[1]["type"] == "markdown"
    assert "<!" not in markdown and "<@" not in markdown and "](" not in markdown.replace("\\](", "")
    assert markdown.startswith("&lt;!channel&gt; &lt;@U1&gt; \\[click\\](https://evil.example) \\*bold\\* "
                               "\\`code\\` a\\|b &amp; c\n\\# heading\n1\\. one\n\\- dash")
    assert_valid_message(text, blocks)


def test_escape_markdown_leaves_plain_prose_alone() -> None:
    assert escape_markdown("Return on ad spend (ROAS), e.g. 4.2x; 10% off.") == \
        "Return on ad spend (ROAS), e.g. 4.2x; 10% off."


def test_markdown_blocks_share_12000_characters_and_a_cut_says_where_the_rest_is() -> None:
    long = Paragraph(SENTENCE * 100)  # ~7,900 characters a run; tables keep the runs apart
    table = Table(("Step", "Value"), (("1", "2"),))
    text, blocks = answer_blocks(pitfalls(engine_with(long, table, long, table, long)))
    markdowns = [b["text"] for b in blocks if b["type"] == "markdown"]
    assert len(markdowns) == 2 and markdowns[1].endswith("…")
    assert sum(map(len, markdowns)) <= MARKDOWN_CHARS
    assert any(b["type"] == "section" for b in blocks[blocks.index({"type": "markdown", "text": markdowns[1]}):])
    assert "Read the rest on the glossary page" in json.dumps(blocks)
    assert_valid_message(text, blocks)


def test_the_worked_example_keeps_its_table_block_beside_markdown(engine: Engine) -> None:
    example = engine.answer_part("customer-acquisition-cost-cac", "intent:example")
    text, blocks = answer_blocks(example, private=True)
    assert any(b["type"] == "table" for b in blocks)
    assert_valid_message(text, blocks)


def test_every_fixture_answer_renders_within_limits(engine: Engine) -> None:
    for term in engine.glossary.terms:
        for ref, _ in engine.next_parts(term, None):
            for private in (False, True):
                assert_valid_message(*answer_blocks(engine.answer_part(term.slug, ref), private=private))


# ---- message metadata -------------------------------------------------------------------------------

def payload(post: dict) -> dict:
    assert post["metadata"]["event_type"] == REPLY_EVENT_TYPE
    return post["metadata"]["event_payload"]


def test_answer_metadata_names_the_term_slug_and_part_key(engine: Engine) -> None:
    assert answer_metadata(engine.ask("common mistakes with ROAS")) == {
        "term": "return-on-ad-spend-roas", "part": "section:where-teams-go-wrong"}
    assert answer_metadata(engine.ask("what is kubernetes")) == {}
    assert answer_metadata(None) == {}


def test_a_mention_answer_carries_term_part_and_reply_id(slack: SlackHarness, standin: SlackStandIn) -> None:
    slack.mention("common mistakes with ROAS", channel="C42")
    standin.wait_for(lambda: standin.posts)
    data = payload(standin.posts[0])
    assert (data["term"], data["part"]) == ("return-on-ad-spend-roas", "section:where-teams-go-wrong")
    assert len(data["id"]) == 32


def test_dm_listening_and_shared_answers_carry_term_and_part(slack: SlackHarness, standin: SlackStandIn) -> None:
    slack.message("what is churn rate?", channel="D8")
    slack.message("what is churn rate?", channel="C9LISTEN", channel_type="channel")
    preview = slack.command("what is ROAS").json()
    slack.click(actions_of(preview)["glossary_share"], channel="C5")
    standin.wait_for(lambda: len(standin.posts) == 3)
    terms = sorted((p["channel"], payload(p)["term"], bool(payload(p)["part"])) for p in standin.posts)
    assert terms == [("C5", "return-on-ad-spend-roas", True), ("C9LISTEN", "churn-rate", True),
                     ("D8", "churn-rate", True)]


def test_help_and_unknown_posts_carry_only_the_reply_id(slack: SlackHarness, standin: SlackStandIn) -> None:
    slack.message("help", channel="D9")
    slack.message("what is kubernetes?", channel="D10")
    standin.wait_for(lambda: len(standin.posts) == 2)
    assert all(sorted(payload(p)) == ["id"] for p in standin.posts)
