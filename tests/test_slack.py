"""Every Slack surface end to end: signed HTTP requests in, what Slack would receive out."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.slack.ids import CHOOSE, EXAMPLE, PICK_PART, SHARE
from tests.helpers import actions_of, assert_valid_blocks, assert_valid_message
from tests.slack_harness import SlackHarness, select
from tests.slack_standin import SlackStandIn

# ---- requests Slack signs ------------------------------------------------------------------------

def test_url_verification_answers_the_challenge(slack: SlackHarness) -> None:
    reply = slack.post(json.dumps({"type": "url_verification", "challenge": "abc123", "token": "x"}),
                       "application/json")
    assert (reply.status, reply.json()) == (200, {"challenge": "abc123"})


@pytest.mark.parametrize("kind", ["unsigned", "wrong secret", "stale"])
def test_unsigned_wrongly_signed_and_stale_requests_get_401(slack: SlackHarness, kind: str) -> None:
    kinds: dict[str, dict[str, Any]] = {"unsigned": {"signed": False}, "wrong secret": {"secret": "0" * 32},
                                        "stale": {"age": 6 * 60}}
    options = kinds[kind]
    assert slack.command("segment", **options).status == 401
    assert [c.method for c in slack.standin.calls] == ["auth.test"]  # only the start-up identity check


def test_health_check_reports_terms(slack: SlackHarness) -> None:
    assert slack.get("/healthz").json() == {"ok": True, "terms": 12, "store": "ok"}


# ---- mentions, DMs, channel listening ------------------------------------------------------------

def test_mention_is_answered_in_a_thread_of_that_message(slack: SlackHarness, standin: SlackStandIn) -> None:
    reply = slack.mention("why does CAC matter?", channel="C42")
    assert reply.status == 200
    standin.wait_for(lambda: standin.posts)
    post = standin.posts[0]
    assert post["channel"] == "C42" and post["thread_ts"]
    assert "Why does CAC matter?" in post["blocks"][0]["text"]["text"]
    assert post["unfurl_links"] is False and "link_names" not in post and "parse" not in post
    assert_valid_message(post["text"], post.get("blocks") or [])


def test_mention_inside_a_thread_answers_in_that_thread(slack: SlackHarness, standin: SlackStandIn) -> None:
    slack.mention("what is churn rate", thread_ts="1700000000.000100")
    standin.wait_for(lambda: standin.posts)
    assert standin.posts[0]["thread_ts"] == "1700000000.000100"


def test_mention_of_an_unknown_term_answers_privately_without_naming_anyone(slack: SlackHarness,
                                                                         standin: SlackStandIn) -> None:
    slack.mention("what is kubernetes?")
    standin.wait_for(lambda: standin.ephemerals)
    note = standin.ephemerals[0]
    assert note["user"] == "U1" and note["channel"] == "C1"
    assert "not in the glossary yet" in note["text"] and "<@" not in json.dumps(note["blocks"])
    assert standin.posts == []


def test_mention_with_nothing_asked_gets_usage(slack: SlackHarness, standin: SlackStandIn) -> None:
    slack.mention("")
    standin.wait_for(lambda: standin.posts)
    assert "/glossary" in standin.posts[0]["blocks"][0]["text"]["text"]


def test_direct_message_is_answered_in_the_dm(slack: SlackHarness, standin: SlackStandIn) -> None:
    slack.message("common mistakes with ROAS", channel="D7")
    standin.wait_for(lambda: standin.posts)
    post = standin.posts[0]
    assert post["channel"] == "D7" and post["thread_ts"]  # the agent container: each question is a thread
    assert "Where teams go wrong" in post["blocks"][0]["text"]["text"]
    assert SHARE not in actions_of(post) and PICK_PART in actions_of(post)


def test_listened_channel_gets_only_clear_questions_answered_in_thread(slack: SlackHarness,
                                                                      standin: SlackStandIn) -> None:
    slack.message("what is churn rate?", channel="C9LISTEN", channel_type="channel")
    for chatter in ("our churn rate looks bad this month", "what is kubernetes?", "what is segmnt?", "thanks!"):
        slack.message(chatter, channel="C9LISTEN", channel_type="channel")
    slack.message("what is churn rate?", channel="C1OTHER", channel_type="channel")
    slack.wait_until_handled()
    assert [(p["channel"], bool(p["thread_ts"])) for p in standin.posts] == [("C9LISTEN", True)]
    assert standin.ephemerals == []


@pytest.mark.parametrize("extra", [
    {"subtype": "message_changed"}, {"subtype": "message_deleted"}, {"subtype": "bot_message", "bot_id": "B2"},
    {"bot_id": "BBOT"}, {"bot_id": "BOTHER"},
])
def test_bots_edits_and_deletes_are_never_answered(slack: SlackHarness, standin: SlackStandIn, extra: dict) -> None:
    slack.message("what is churn rate?", **extra)
    slack.message("what is CTR?", channel="D2")  # a real question after it, to know the app has caught up
    standin.wait_for(lambda: standin.posts)
    assert [p["channel"] for p in standin.posts] == ["D2"]


# ---- the slash command and its buttons -----------------------------------------------------------

def test_command_answers_privately_in_the_ack_with_share_example_and_picker(slack: SlackHarness,
                                                                           standin: SlackStandIn) -> None:
    reply = slack.command("why does CAC matter")
    body = reply.json()
    assert reply.status == 200 and body["response_type"] == "ephemeral"
    assert "Why does CAC matter?" in body["blocks"][0]["text"]["text"]
    assert list(actions_of(body)) == [SHARE, EXAMPLE, PICK_PART]
    assert_valid_message(body["text"], body.get("blocks") or [])
    assert [c.method for c in standin.calls] == ["auth.test"]  # asked once at start-up, never per request


@pytest.mark.parametrize("text", ["", "help"])
def test_command_alone_or_help_shows_usage(slack: SlackHarness, text: str) -> None:
    body = slack.command(text).json()
    assert "/glossary list" in body["blocks"][0]["text"]["text"]


def test_command_list_shows_terms_a_to_z(slack: SlackHarness) -> None:
    body = slack.command("list").json()
    text = "\n".join(b["text"]["text"] for b in body["blocks"] if b["type"] == "section")
    assert text.index("*A/B test*") < text.index("*Churn rate*") < text.index("*Segment* _(Analytics)_")
    assert_valid_message(body["text"], body.get("blocks") or [])


def test_share_posts_visibly_saying_who_shared_and_removes_the_preview(slack: SlackHarness,
                                                                      standin: SlackStandIn) -> None:
    preview = slack.command("what is ROAS").json()
    slack.click(actions_of(preview)[SHARE], user="U77")
    standin.wait_for(lambda: standin.posts and standin.responses)
    shared = standin.posts[0]
    assert shared["channel"] == "C1" and not shared.get("thread_ts")
    assert "Shared by <@U77>" in json.dumps(shared["blocks"])
    assert "What is ROAS?" in shared["blocks"][0]["text"]["text"]
    assert standin.responses == [{"delete_original": True, "_url": "respond/r1"}]
    assert_valid_message(shared["text"], shared.get("blocks") or [])


def test_share_where_the_bot_is_not_a_member_goes_through_response_url(slack: SlackHarness,
                                                                       standin: SlackStandIn) -> None:
    preview = slack.command("what is ROAS").json()
    slack.click(actions_of(preview)[SHARE], user="U77", channel="CNOTMEMBER")
    standin.wait_for(lambda: len(standin.responses) == 2)
    shared, removed = standin.responses
    assert shared["response_type"] == "in_channel" and shared["replace_original"] is False
    assert "Shared by <@U77>" in json.dumps(shared["blocks"])
    assert "What is ROAS?" in shared["blocks"][0]["text"]["text"]
    assert removed == {"delete_original": True, "_url": "respond/r1"}
    assert_valid_message(shared["text"], shared.get("blocks") or [])
    assert standin.posts == []  # Slack refused chat.postMessage (not_in_channel): nothing posted twice


def test_worked_example_button_shows_the_example_with_its_table(slack: SlackHarness, standin: SlackStandIn) -> None:
    preview = slack.command("CAC").json()
    slack.click(actions_of(preview)[EXAMPLE])
    standin.wait_for(lambda: standin.responses)
    example = standin.responses[0]
    assert example["replace_original"] is True
    assert "*Worked example*" in example["blocks"][0]["text"]["text"]
    assert any(b["type"] == "table" for b in example["blocks"])
    assert "#worked-example|Worked example and full page>" in json.dumps(example["blocks"])
    assert_valid_message(example["text"], example.get("blocks") or [])


def test_picker_answers_the_chosen_part(slack: SlackHarness, standin: SlackStandIn) -> None:
    preview = slack.command("ROAS").json()
    picker = actions_of(preview)[PICK_PART]
    labels = [o["text"]["text"] for o in picker["options"]]
    slack.click(select(picker, labels.index("Where teams go wrong")))
    standin.wait_for(lambda: standin.responses)
    assert "*Where teams go wrong*" in standin.responses[0]["blocks"][0]["text"]["text"]


def test_did_you_mean_buttons_answer_the_chosen_term(slack: SlackHarness, standin: SlackStandIn) -> None:
    body = slack.command("why does segment matter").json()
    choices = [a for a in actions_of(body).values() if a["action_id"].startswith(CHOOSE)]
    assert [c["text"]["text"] for c in choices] == ["Segment (Marketing Technology)", "Segment (Analytics)"]
    slack.click(choices[0])
    standin.wait_for(lambda: standin.responses)
    assert "Why does Segment matter?" in standin.responses[0]["blocks"][0]["text"]["text"]


def test_unknown_command_is_kind_private_and_lists_nearest_terms(slack: SlackHarness) -> None:
    body = slack.command("lifetime budget").json()
    assert body["response_type"] == "ephemeral"
    assert "not in the glossary yet" in body["text"]
    assert [a["text"]["text"] for a in actions_of(body).values()] == [
        "Customer lifetime value (LTV) (Growth)", "Suggest a definition", "Ask the owner"]


# ---- message shortcut and App Home ---------------------------------------------------------------

def test_explain_shortcut_lists_terms_found_in_the_message(slack: SlackHarness, standin: SlackStandIn) -> None:
    slack.shortcut("Our ROAS fell and CAC rose; is the churn rate next?")
    standin.wait_for(lambda: standin.responses)
    reply = standin.responses[0]
    assert reply["response_type"] == "ephemeral" and reply["_url"] == "respond/shortcut"
    titles = [b["text"]["text"].split("*")[1] for b in reply["blocks"][1:] if b["type"] == "section"]
    assert titles == ["Return on ad spend (ROAS)", "Customer acquisition cost (CAC)", "Churn rate"]
    assert all(SHARE in {e["action_id"] for e in b["elements"]} for b in reply["blocks"] if b["type"] == "actions")
    assert_valid_message(reply["text"], reply.get("blocks") or [])


def test_app_home_publishes_the_index(slack: SlackHarness, standin: SlackStandIn) -> None:
    slack.event({"type": "app_home_opened", "user": "U5", "channel": "D5", "tab": "home"})
    slack.event({"type": "app_home_opened", "user": "U5", "channel": "D5", "tab": "messages"})
    slack.wait_until_handled()
    assert len(standin.views) == 1
    view = standin.views[0]["view"]
    assert standin.views[0]["user_id"] == "U5" and view["type"] == "home"
    assert "*A/B test* _(Experimentation)_ — An experiment comparing" in json.dumps(view["blocks"], ensure_ascii=False)
    assert_valid_blocks(view["blocks"], 100)


def test_list_pager_and_home_letters_reply_where_they_were_clicked(slack: SlackHarness, standin: SlackStandIn) -> None:
    slack.click({"action_id": "glossary_list_page_next", "type": "button", "value": "1"})
    slack.click({"action_id": "glossary_home_letter_C", "type": "button", "value": "C"}, user="U9")
    standin.wait_for(lambda: standin.responses and standin.views)
    assert standin.responses[0]["replace_original"] is True
    assert standin.responses[0]["text"] == "Glossary: 12 terms"
    assert standin.views[0]["user_id"] == "U9" and standin.views[0]["view"]["type"] == "home"


def test_a_mention_in_a_listened_channel_is_answered_once(slack: SlackHarness, standin: SlackStandIn) -> None:
    ts = "1700000000.000200"
    slack.event({"type": "app_mention", "user": "U1", "text": "<@UBOT> what is CTR?", "ts": ts, "channel": "C9LISTEN"})
    slack.event({"type": "message", "user": "U1", "text": "<@UBOT> what is CTR?", "ts": ts, "channel": "C9LISTEN",
                 "channel_type": "channel"})
    slack.message("what is ROAS?", channel="D8")
    slack.wait_until_handled()
    assert sorted(p["channel"] for p in standin.posts) == ["C9LISTEN", "D8"]
