"""Issue #9, listeners: a mention in a DM answered once, failures answered 200 with a private note,
and Share after a content edit says so privately."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from bot.slack.errors import WENT_WRONG
from bot.slack.workflows import GONE_FROM_GLOSSARY
from tests.conftest import INTENTS, PAGES
from tests.slack_harness import SlackHarness
from tests.slack_standin import SlackStandIn


@pytest.mark.parametrize("channel_type", ["im", None])
def test_a_mention_in_a_dm_is_answered_once(slack: SlackHarness, standin: SlackStandIn,
                                            channel_type: str | None) -> None:
    ts = f"{time.time():.6f}"
    text = "<@UBOT> what is CTR?"
    # Slack sends both: message.im and app_mention (which may or may not say channel_type).
    assert slack.event({"type": "message", "channel_type": "im", "user": "U1", "text": text, "ts": ts,
                        "channel": "D77"}).status == 200
    mention = {"type": "app_mention", "user": "U1", "text": text, "ts": ts, "channel": "D77"}
    assert slack.event({**mention, **({"channel_type": channel_type} if channel_type else {})}).status == 200
    slack.wait_until_handled()
    assert len(standin.posts) == 1 and standin.posts[0]["channel"] == "D77"
    assert standin.posts[0]["thread_ts"] == ts  # in the thread of the question, as every DM answer


def test_a_listener_failing_after_its_ack_answers_200_at_once_and_says_so_privately(
        slack: SlackHarness, standin: SlackStandIn) -> None:
    # The list pager's value is a page number; "abc" makes the listener fail after it acked.
    reply = slack.click({"action_id": "glossary_list_page_next", "type": "button", "value": "abc"},
                        response_url=standin.response_url("oops"))
    assert reply.status == 200 and reply.seconds < 1.0, reply  # was 404 after 3 s
    standin.wait_for(lambda: standin.responses)
    assert standin.responses == [{"response_type": "ephemeral", "replace_original": False, "text": WENT_WRONG,
                                  "_url": "respond/oops"}]


def test_a_share_button_with_a_broken_value_answers_200_and_a_private_note(slack: SlackHarness,
                                                                           standin: SlackStandIn) -> None:
    reply = slack.click({"action_id": "glossary_share", "type": "button", "value": "{not json"},
                        response_url=standin.response_url("broken"))
    assert reply.status == 200 and reply.seconds < 1.0
    standin.wait_for(lambda: standin.responses)
    assert [r["text"] for r in standin.responses] == [WENT_WRONG] and standin.posts == []


def test_an_unknown_view_submission_answers_200_with_a_private_note(slack: SlackHarness) -> None:
    reply = slack.interact({"type": "view_submission", "user": {"id": "U1"}, "team": {"id": "T1"},
                            "api_app_id": "A1", "trigger_id": "t-view",
                            "view": {"id": "V1", "type": "modal", "callback_id": "from_an_old_version",
                                     "state": {"values": {}}}})
    assert reply.status == 200 and reply.seconds < 1.0, reply  # was 404 (or 500 on a view without a type)
    body = reply.json()
    assert body["response_action"] == "update" and WENT_WRONG in json.dumps(body["view"])


def test_an_unknown_button_answers_200_with_a_private_note(slack: SlackHarness, standin: SlackStandIn) -> None:
    reply = slack.click({"action_id": "from_an_old_version", "type": "button", "value": "x"},
                        response_url=standin.response_url("old"))
    assert reply.status == 200 and reply.seconds < 1.0
    standin.wait_for(lambda: standin.responses)
    assert [r["text"] for r in standin.responses] == [WENT_WRONG]


def test_share_after_the_term_was_removed_says_so_privately_and_keeps_the_preview(
        standin: SlackStandIn, tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(PAGES, content)
    slack = SlackHarness(standin, content, INTENTS, tmp_path / "state.sqlite3")
    try:
        preview = slack.command("what is churn rate")
        share = next(e for b in preview.json()["blocks"] if b["type"] == "actions" for e in b["elements"]
                     if e.get("action_id") == "glossary_share")
        (content / "churn-rate.txt").unlink()
        deadline = time.monotonic() + 10
        while "churn-rate" in slack.runtime.library.engine.glossary.by_slug and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "churn-rate" not in slack.runtime.library.engine.glossary.by_slug
        assert slack.click(share, response_url=standin.response_url("preview")).status == 200
        slack.wait_until_handled()
    finally:
        slack.stop()
    assert standin.posts == []  # nothing in the channel
    assert standin.responses == [{"response_type": "ephemeral", "replace_original": False,
                                  "text": GONE_FROM_GLOSSARY, "_url": "respond/preview"}]  # no delete_original
