"""Issue #11, the knowledge loop in Slack: feedback buttons on every answer, votes (latest wins, a second
click takes it back), the private follow-up, "Ask the owner", suggestions, unanswered questions, owners
and freshness, the digest. The real Bolt app over HTTP, signed requests, the local Slack API stand-in."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.slack.digests import send_digest
from bot.slack.ids import ASK_OWNER, FEEDBACK, SUGGEST, SUGGEST_VIEW, WHAT_WRONG, WHAT_WRONG_VIEW
from bot.slack.replies import normalised
from bot.store.base import Rows
from tests.conftest import INTENTS, PAGES, ROOT
from tests.slack_harness import SlackHarness
from tests.slack_standin import SlackStandIn

OWNED = {  # terms with owners of each kind; one reviewed long ago
    "net-promoter-score.yaml": "title: Net promoter score (NPS)\ndefinition: How likely customers are to "
                               "recommend you\nowner: U0OWNER1\nlast_reviewed: 2020-01-02\n",
    "share-of-voice.yaml": "title: Share of voice\ndefinition: Your brand's part of the conversation in its "
                           "market\nowner: C0OWNERS\nlast_reviewed: 2026-11-01\n",
    "cost-per-click.yaml": "title: Cost per click (CPC)\ndefinition: What one ad click costs\nowner: S0GROUP1\n"
                           "last_reviewed: 2026-11-01\n",
    "reach.yaml": "title: Reach\ndefinition: How many people saw it\nowner: <!channel> everyone\n",
}


@pytest.fixture
def content(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(PAGES, folder)
    for name, text in OWNED.items():
        (folder / name).write_text(text)
    return folder


def _harness(standin: SlackStandIn, content: Path, tmp_path: Path, **env: str) -> SlackHarness:
    return SlackHarness(standin, content, INTENTS, tmp_path / "state.sqlite3",
                        env={"GLOSSARY_EXPERTS_CHANNEL": "C0EXPERTS", **env})


@pytest.fixture
def loop(standin: SlackStandIn, content: Path, tmp_path: Path):
    harness = _harness(standin, content, tmp_path)
    yield harness
    harness.stop()


def dumped(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


def rows(slack: SlackHarness) -> Rows:
    return asyncio.run_coroutine_threadsafe(slack.runtime.events.rows(0), slack.loop).result(10)


def feedback_of(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    return next(e for b in blocks if b["type"] == "context_actions" for e in b["elements"])


def assert_within_limits(blocks: list[dict[str, Any]]) -> None:
    assert len(blocks) <= 50
    for block in blocks:
        Block.parse(block).validate_json()  # type: ignore[union-attr]


def dm_answer(slack: SlackHarness, standin: SlackStandIn, question: str) -> dict[str, Any]:
    before = len(standin.posts)
    slack.message(question)
    standin.wait_for(lambda: len(standin.posts) > before)
    return standin.posts[-1]


def vote(slack: SlackHarness, post: dict[str, Any], positive: bool, user: str = "U1") -> None:
    buttons = feedback_of(post["blocks"])
    value = buttons["positive_button" if positive else "negative_button"]["value"]
    reply = slack.click({"action_id": FEEDBACK, "type": "feedback_buttons", "value": value,
                         "block_id": "fb"}, ephemeral=False, user=user, response_url=slack.standin.response_url("vote"))
    assert reply.status == 200


# ---- feedback on every answer ---------------------------------------------------------------------

def test_every_answer_carries_feedback_buttons_and_its_owner_line(loop: SlackHarness, standin: SlackStandIn) -> None:
    post = dm_answer(loop, standin, "what is NPS?")
    buttons = feedback_of(post["blocks"])
    assert buttons["type"] == "feedback_buttons" and buttons["action_id"] == FEEDBACK
    assert buttons["positive_button"]["text"] == {"type": "plain_text", "text": "Helpful"}
    assert json.loads(buttons["negative_button"]["value"])["v"] == -1
    footer = dumped(post["blocks"])
    assert "<@U0OWNER1> · reviewed 2020-01-02 · _may be out of date_" in footer
    assert_within_limits(post["blocks"])
    command = loop.command("share of voice").json()  # private answers too
    assert feedback_of(command["blocks"]) and "<#C0OWNERS> · reviewed 2026-11-01" in dumped(command["blocks"])
    assert_within_limits(command["blocks"])


def test_owner_mentions_are_built_only_from_validated_ids(loop: SlackHarness, standin: SlackStandIn) -> None:
    assert "<!subteam^S0GROUP1>" in dumped(loop.command("what is CPC").json()["blocks"])
    reach = dumped(loop.command("reach").json()["blocks"])
    assert "<!channel>" not in reach and "&lt;!channel&gt; everyone" in reach


def test_the_latest_vote_wins_and_a_second_click_on_the_same_button_takes_it_back(loop: SlackHarness,
                                                                                 standin: SlackStandIn) -> None:
    post = dm_answer(loop, standin, "what is churn rate?")
    part = json.loads(feedback_of(post["blocks"])["positive_button"]["value"])["p"]
    assert part == "faq:what-is-churn-rate"
    vote(loop, post, positive=True)
    standin.wait_for(lambda: rows(loop).votes == [("churn-rate", part, 1, 0)])
    vote(loop, post, positive=False)  # changed their mind
    standin.wait_for(lambda: rows(loop).votes == [("churn-rate", part, 0, 1)])
    vote(loop, post, positive=False)  # the same button again: Slack un-presses it
    standin.wait_for(lambda: rows(loop).votes == [])
    vote(loop, post, positive=True, user="U2")
    standin.wait_for(lambda: rows(loop).votes == [("churn-rate", part, 1, 0)])


def test_a_not_helpful_vote_privately_offers_what_was_wrong_and_ask_the_owner(loop: SlackHarness,
                                                                             standin: SlackStandIn) -> None:
    post = dm_answer(loop, standin, "what is NPS?")
    vote(loop, post, positive=False)
    standin.wait_for(lambda: standin.responses)
    note = standin.responses[-1]
    assert note["response_type"] == "ephemeral" and note["replace_original"] is False
    actions = {e["action_id"]: e for b in note["blocks"] if b["type"] == "actions" for e in b["elements"]}
    assert list(actions) == [WHAT_WRONG, ASK_OWNER]
    assert_within_limits(note["blocks"])

    loop.click({**actions[WHAT_WRONG], "type": "button"})
    standin.wait_for(lambda: standin.calls_to("views.open"))
    view = standin.calls_to("views.open")[0].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == WHAT_WRONG_VIEW
    View(**view).validate_json()
    submission = {"type": "view_submission", "user": {"id": "U1"}, "team": {"id": "T1"}, "api_app_id": "A1",
                  "trigger_id": "t-submit", "view": {**view, "id": "V1", "state": {"values": {
                      "note": {"value": {"type": "plain_text_input", "value": "The example is from 2019."}}}}}}
    reply = loop.interact(submission)
    assert reply.status == 200 and reply.json()["response_action"] == "update"
    assert rows(loop).notes == [("net-promoter-score-nps", "definition", "The example is from 2019.")]


# ---- ask the owner ----------------------------------------------------------------------------------

def _ask(slack: SlackHarness, standin: SlackStandIn, question: str) -> dict[str, Any]:
    """Mention the bot, vote the answer down, press "Ask the owner"; the post it made."""
    before = len(standin.posts)
    slack.mention(question, channel="C1")
    standin.wait_for(lambda: len(standin.posts) > before)
    vote(slack, standin.posts[-1], positive=False)
    standin.wait_for(lambda: any(b["type"] == "actions" for b in (standin.responses[-1:] or [{}])[0].get("blocks", [])))
    ask = next(e for b in standin.responses[-1]["blocks"] if b["type"] == "actions" for e in b["elements"]
               if e["action_id"] == ASK_OWNER)
    count = len(standin.posts)
    slack.click({**ask, "type": "button"}, response_url=standin.response_url("asked"))
    standin.wait_for(lambda: len(standin.posts) > count and any(r["_url"].endswith("asked") for r in standin.responses))
    return standin.posts[-1]


def test_ask_the_owner_dms_a_user_owner_with_a_link_to_the_question(loop: SlackHarness, standin: SlackStandIn) -> None:
    post = _ask(loop, standin, "what is NPS?")
    assert post["channel"] == "U0OWNER1"
    text = dumped(post["blocks"])
    assert "<@U1> has a question about *Net promoter score (NPS)*" in text and "what is NPS?" in text
    assert "https://t.slack.example/archives/C1/p" in text  # the asker's message
    assert "Sent to <@U0OWNER1>" in next(r for r in standin.responses if r["_url"].endswith("asked"))["text"]


def test_ask_the_owner_posts_in_a_channel_owner_or_mentions_a_group_in_the_experts_channel(
        loop: SlackHarness, standin: SlackStandIn) -> None:
    assert _ask(loop, standin, "what is share of voice?")["channel"] == "C0OWNERS"
    group = _ask(loop, standin, "what is CPC?")
    assert group["channel"] == "C0EXPERTS" and "<!subteam^S0GROUP1>" in dumped(group["blocks"])
    assert _ask(loop, standin, "what is churn rate?")["channel"] == "C0EXPERTS"  # no owner


def test_an_unknown_answer_offers_ask_the_owner_and_suggest(loop: SlackHarness, standin: SlackStandIn) -> None:
    body = loop.command("what is kubernetes?").json()
    actions = {e["action_id"]: e for b in body["blocks"] if b["type"] == "actions" for e in b["elements"]}
    assert {SUGGEST, ASK_OWNER} <= set(actions)
    loop.click({**actions[ASK_OWNER], "type": "button"}, response_url=standin.response_url("unknown"))
    standin.wait_for(lambda: standin.posts)
    assert standin.posts[0]["channel"] == "C0EXPERTS" and "what is kubernetes?" in dumped(standin.posts[0])
    assert "Where it was asked" not in dumped(standin.posts[0])  # a command has no message to link to

    loop.click({**actions[SUGGEST], "type": "button"})
    standin.wait_for(lambda: standin.calls_to("views.open"))
    view = standin.calls_to("views.open")[0].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == SUGGEST_VIEW
    View(**view).validate_json()
    values = {"term": {"value": {"type": "plain_text_input", "value": "Kubernetes"}},
              "definition": {"value": {"type": "plain_text_input", "value": "Runs containers for you."}},
              "details": {"value": {"type": "plain_text_input", "value": None}}}
    reply = loop.interact({"type": "view_submission", "user": {"id": "U1"}, "team": {"id": "T1"}, "api_app_id": "A1",
                           "trigger_id": "t-s", "view": {**view, "id": "V2", "state": {"values": values}}})
    assert reply.status == 200
    assert [s[:2] for s in rows(loop).suggestions] == [("Kubernetes", "Runs containers for you.")]


def test_a_question_asked_in_a_dm_is_passed_on_without_a_link_to_the_dm(loop: SlackHarness,
                                                                         standin: SlackStandIn) -> None:
    vote(loop, dm_answer(loop, standin, "what is NPS?"), positive=False)
    standin.wait_for(lambda: standin.responses)
    ask = next(e for b in standin.responses[-1]["blocks"] if b["type"] == "actions" for e in b["elements"]
               if e["action_id"] == ASK_OWNER)
    loop.click({**ask, "type": "button"}, response_url=standin.response_url("dm-ask"))
    standin.wait_for(lambda: len(standin.posts) == 2)
    assert standin.posts[1]["channel"] == "U0OWNER1" and "Where it was asked" not in dumped(standin.posts[1])
    assert not standin.calls_to("chat.getPermalink")


def test_with_no_owner_and_no_experts_channel_the_asker_is_told_privately(standin: SlackStandIn, content: Path,
                                                                          tmp_path: Path) -> None:
    slack = _harness(standin, content, tmp_path, GLOSSARY_EXPERTS_CHANNEL="")
    try:
        body = slack.command("what is kubernetes?").json()
        ask = next(e for b in body["blocks"] if b["type"] == "actions" for e in b["elements"]
                   if e["action_id"] == ASK_OWNER)
        slack.click({**ask, "type": "button"}, response_url=standin.response_url("nobody"))
        standin.wait_for(lambda: standin.responses)
        assert "no experts channel is set" in standin.responses[0]["text"] and not standin.posts
    finally:
        slack.stop()


# ---- unanswered questions ---------------------------------------------------------------------------

def test_unanswered_questions_are_counted_by_place_not_person(loop: SlackHarness, standin: SlackStandIn) -> None:
    loop.command("what is kubernetes?")
    loop.message("What is Kubernetes")
    loop.mention("what is kubernetes?")
    standin.wait_for(lambda: rows(loop).unanswered and rows(loop).unanswered[0][2] == 3)
    key, question, count, *_ = rows(loop).unanswered[0]
    assert key == normalised("what is kubernetes?") and question == "what is kubernetes?" and count == 3
    assert "U1" not in dumped(rows(loop).unanswered)
    db = loop.runtime.events._db  # type: ignore[attr-defined]
    assert sorted(r[0] for r in db.execute("SELECT place FROM unanswered")) == ["channel", "command", "dm"]


def test_a_did_you_mean_someone_picked_is_not_unanswered(loop: SlackHarness, standin: SlackStandIn) -> None:
    body = loop.command("ad spend").json()
    assert "Did you mean" in body["text"]
    standin.wait_for(lambda: rows(loop).unanswered)
    choice = next(e for b in body["blocks"] if b["type"] == "actions" for e in b["elements"])
    loop.click(choice)
    standin.wait_for(lambda: not rows(loop).unanswered)


def test_with_question_logging_off_only_counts_are_kept(standin: SlackStandIn, content: Path, tmp_path: Path) -> None:
    slack = _harness(standin, content, tmp_path, GLOSSARY_LOG_QUESTIONS="off")
    try:
        slack.command("what is kubernetes?")
        slack.command("what is kubernetes")
        standin.wait_for(lambda: rows(slack).unanswered and rows(slack).unanswered[0][2] == 2)
        assert "kubernetes" not in dumped(rows(slack).unanswered).lower()
        post = slack.command("churn rate").json()
        assert "q" not in json.loads(feedback_of(post["blocks"])["positive_button"]["value"])
    finally:
        slack.stop()


# ---- report, digest, check --------------------------------------------------------------------------

def test_report_json_has_the_documented_shape(loop: SlackHarness, standin: SlackStandIn, content: Path,
                                              tmp_path: Path) -> None:
    loop.command("what is kubernetes?")
    vote(loop, dm_answer(loop, standin, "what is NPS?"), positive=False)
    standin.wait_for(lambda: rows(loop).votes and rows(loop).unanswered)
    run = subprocess.run([sys.executable, "-m", "bot", "report", "--json", "--days", "7", "--content", str(content)],
                         capture_output=True, text=True, cwd=ROOT, timeout=60, check=False,
                         env={"PATH": "/usr/bin:/bin", "GLOSSARY_STATE_DB": str(tmp_path / "state.sqlite3")})
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["unanswered"][0]["question"] == "what is kubernetes?" and report["unanswered"][0]["count"] == 1
    assert report["feedback"] == [{"term": "Net promoter score (NPS)", "part": "definition", "helpful": 0,
                                   "not_helpful": 1}]
    assert {"term": "Net promoter score (NPS)", "owner": "U0OWNER1", "last_reviewed": "2020-01-02"} in report["stale"]
    assert set(report) >= {"unanswered", "feedback", "stale", "suggestions"}


def test_the_digest_is_posted_once_a_week_whichever_replica_gets_there_first(
        standin: SlackStandIn, content: Path, tmp_path: Path) -> None:
    env = {"GLOSSARY_DIGEST_CHANNEL": "C0DIGEST"}
    one, two = _harness(standin, content, tmp_path, **env), _harness(standin, content, tmp_path, **env)
    try:
        # Both start their weekly task; this week's digest goes out once, from whichever was first.
        standin.wait_for(lambda: [p["channel"] for p in standin.posts] == ["C0DIGEST", "U0OWNER1"])
        one.command("what is kubernetes?")
        standin.wait_for(lambda: rows(one).unanswered)
        sent = [asyncio.run_coroutine_threadsafe(send_digest(h.runtime, "2020-W01"), h.loop).result(30)
                for h in (one, two, one)]
        assert sent == [True, False, False]
        digest = [p for p in standin.posts if p["channel"] == "C0DIGEST"]
        assert len(digest) == 2 and "kubernetes" in dumped(digest[1]["blocks"])
        assert_within_limits(digest[1]["blocks"])
        dms = [p for p in standin.posts if p["channel"] == "U0OWNER1"]  # NPS is stale: its owner hears of it
        assert len(dms) == 2 and "Net promoter score" in dumped(dms[1]["blocks"])
        assert not [p for p in standin.posts if p["channel"] == "C0OWNERS"]  # nothing of theirs to review
    finally:
        one.stop()
        two.stop()


def test_digest_dry_run_prints_it(content: Path, tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "bot", "digest", "--dry-run", "--content", str(content)],
                         capture_output=True, text=True, cwd=tmp_path, timeout=60, check=False,
                         env={"PATH": "/usr/bin:/bin", "GLOSSARY_STATE_DB": str(tmp_path / "s.db")})
    assert run.returncode == 0, run.stderr
    assert "→ the digest channel" in run.stdout and "Net promoter score (NPS): reviewed 2020-01-02" in run.stdout
    assert "→ U0OWNER1 (owner)" in run.stdout


def test_check_lists_stale_terms_as_warnings_and_exits_0(content: Path, tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "bot", "check", "--content", str(content)], capture_output=True,
                         text=True, cwd=tmp_path, timeout=60, check=False, env={"PATH": "/usr/bin:/bin"})
    assert run.returncode == 0 and run.stdout.splitlines()[-1].startswith("ok: 16 terms")
    assert "warning: " + str(content / "net-promoter-score.yaml") + ": last_reviewed: Net promoter score (NPS) may " \
           "be out of date (last reviewed 2020-01-02, over 180 days ago; owner U0OWNER1)" in run.stdout.splitlines()
    assert "Share of voice" not in run.stdout


def test_report_before_anything_was_recorded_says_so_and_creates_no_file(content: Path, tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "bot", "report", "--content", str(content)], capture_output=True,
                         text=True, cwd=tmp_path, timeout=60, check=False, env={"PATH": "/usr/bin:/bin"})
    assert run.returncode == 0 and "Unanswered questions" in run.stdout
    assert "no state database at glossary-bot-state.sqlite3 yet" in run.stderr
    assert not (tmp_path / "glossary-bot-state.sqlite3").exists()


def test_check_names_at_most_20_stale_terms(tmp_path: Path) -> None:
    for i in range(25):
        (tmp_path / f"t{i}.yaml").write_text(f"title: Term number {i}\ndefinition: Number {i}\n")
    run = subprocess.run([sys.executable, "-m", "bot", "check", "--content", str(tmp_path)], capture_output=True,
                         text=True, cwd=tmp_path, timeout=60, check=False, env={"PATH": "/usr/bin:/bin"})
    lines = run.stdout.splitlines()
    assert run.returncode == 0 and len(lines) == 22 and lines[-1] == "ok: 25 terms, 7 intents"
    assert lines[-2] == "warning: … and 5 more terms may be out of date (glossary-bot report lists them all)"


def test_a_bad_state_url_is_one_sentence(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "bot", "report"], capture_output=True, text=True, cwd=tmp_path,
                         timeout=60, check=False, env={"PATH": "/usr/bin:/bin", "GLOSSARY_STATE_URL": "mysql://x"})
    assert run.returncode == 2 and run.stderr.startswith("glossary-bot report: GLOSSARY_STATE_URL must be")
    time.sleep(0)
