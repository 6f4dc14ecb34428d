"""The agent container (the Messages tab under agent_view), end to end against the Slack stand-in."""

from __future__ import annotations

from bot.answer import Engine
from bot.slack.agent import LOOKING_IT_UP, MAX_PROMPTS, suggested_prompts, thread_title
from bot.slack.ids import EXAMPLE, PICK_PART, SHARE
from tests.helpers import actions_of, assert_valid_message
from tests.slack_harness import SlackHarness
from tests.slack_standin import Fault, SlackStandIn


def test_opening_the_messages_tab_pins_at_most_four_prompts_without_thread_ts(slack: SlackHarness,
                                                                             standin: SlackStandIn) -> None:
    assert slack.open_messages_tab(channel="D5").status == 200
    standin.wait_for(lambda: standin.prompts)
    call = standin.prompts[0]
    assert call["channel_id"] == "D5" and "thread_ts" not in call  # the agent experience ignores a thread_ts
    assert 1 <= len(call["prompts"]) <= MAX_PROMPTS
    assert [p["message"] for p in call["prompts"]] == [
        "What is A/B test?", "What is Brand awareness?", "What is Conversion rate?",
        "What is Marketing qualified lead (MQL)?"]  # 11 distinct titles A–Z, every third from the first
    assert standin.views == []  # the Home tab's index is for tab "home" only


def test_prompts_are_spread_across_the_glossary_a_to_z_with_distinct_titles(engine: Engine) -> None:
    prompts = suggested_prompts(engine.glossary)
    assert len(prompts) == MAX_PROMPTS
    assert len({p["message"] for p in prompts}) == MAX_PROMPTS
    assert all(p["title"] == p["message"] and p["message"].startswith("What is ") for p in prompts)
    assert suggested_prompts(engine.glossary, limit=50)[-2:] == [
        {"title": "What is Return on ad spend (ROAS)?", "message": "What is Return on ad spend (ROAS)?"},
        {"title": "What is Segment?", "message": "What is Segment?"}]  # two "Segment" terms, one prompt


def test_a_question_in_the_agent_container_is_answered_in_its_thread_titled_with_no_status(
        slack: SlackHarness, standin: SlackStandIn) -> None:
    ts = "1700000100.000100"
    slack.message("common mistakes with ROAS", channel="D5", ts=ts)
    standin.wait_for(lambda: standin.posts and standin.titles)
    post = standin.posts[0]
    assert (post["channel"], post["thread_ts"]) == ("D5", ts)
    assert "Where teams go wrong" in post["blocks"][0]["text"]["text"]
    assert list(actions_of(post)) == [EXAMPLE, PICK_PART] and SHARE not in actions_of(post)  # as a DM answer
    assert_valid_message(post["text"], post.get("blocks") or [])
    title = standin.titles[0]
    assert (title["channel_id"], title["thread_ts"], title["title"]) == ("D5", ts, "common mistakes with ROAS")
    slack.wait_until_handled()  # a status still to come would keep a timer running until it is set
    assert standin.statuses == []


def test_a_follow_up_in_the_thread_is_answered_there_and_keeps_the_first_title(slack: SlackHarness,
                                                                              standin: SlackStandIn) -> None:
    slack.message("common mistakes with CAC", channel="D5", ts="1700000200.000200", thread_ts="1700000100.000100")
    slack.wait_until_handled()
    assert [p["thread_ts"] for p in standin.posts] == ["1700000100.000100"]
    assert standin.titles == []


def test_a_slow_answer_shows_a_status_in_the_thread_then_clears_it(slack: SlackHarness,
                                                                  standin: SlackStandIn) -> None:
    ts = "1700000300.000300"
    standin.fail("chat.postMessage", Fault(delay=1.6))
    slack.message("what is churn rate", channel="D6", ts=ts)
    standin.wait_for(lambda: len(standin.statuses) == 2, timeout=10)
    shown, cleared = standin.statuses
    assert (shown["channel_id"], shown["thread_ts"], shown["status"]) == ("D6", ts, LOOKING_IT_UP)
    assert cleared["status"] == "" and cleared["thread_ts"] == ts
    posted = standin.calls_to("chat.postMessage")[0].at
    status_calls = standin.calls_to("assistant.threads.setStatus")
    assert posted < status_calls[0].at < posted + 1.6 and status_calls[1].at > posted + 1.5
    assert len(standin.posts) == 1


def test_the_thread_title_is_one_plain_line_without_slack_markup() -> None:
    assert thread_title("<@U1> what is\n<https://x.example|CAC>? <#C1|general>") == "what is CAC?"
    assert thread_title("<@U1>") == "Glossary question"
    assert len(thread_title("why " * 100)) <= 80
