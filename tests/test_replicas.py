"""Issue #11: several replicas on one PostgreSQL. Two real `glossary-bot serve --http` processes share a
database; Slack's retry of an event that lands on the other replica is dropped there, and a vote given
on one replica is taken back by a click that lands on the other."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from bot.slack.ids import FEEDBACK
from tests.served import Served
from tests.slack_harness import SlackHarness
from tests.slack_standin import SlackStandIn


def _client(standin: SlackStandIn, served: Served) -> SlackHarness:
    """The harness's signed-request helpers, aimed at a served process."""
    client = SlackHarness.__new__(SlackHarness)
    client.standin, client.url, client.port = standin, served.url, served.port
    return client


@pytest.fixture
def replicas(standin: SlackStandIn, tmp_path: Path, postgres_url: str):
    env = {"GLOSSARY_STATE_URL": postgres_url, "GLOSSARY_CHANNEL_PACE_SECONDS": "0.05"}
    # Each replica is its own host: its own term cache, one shared database.
    pair = [Served(standin, tmp_path, env={**env, "GLOSSARY_CACHE_DIR": str(tmp_path / f"cache{i}")}, wait=False)
            for i in range(2)]
    try:
        for served in pair:
            served.wait_ready()
        yield [_client(standin, s) for s in pair]
    finally:
        for served in pair:
            served.stop()


def test_both_replicas_report_the_shared_store(replicas: list[SlackHarness]) -> None:
    for replica in replicas:
        with urllib.request.urlopen(replica.url + "/healthz", timeout=5) as reply:
            assert json.loads(reply.read())["store"] == "ok"


def test_a_retry_sent_to_the_other_replica_is_answered_exactly_once(replicas: list[SlackHarness],
                                                                    standin: SlackStandIn) -> None:
    one, two = replicas
    assert one.mention("what is CTR?", event_id="EvREPLICA1").status == 200
    assert two.mention("what is CTR?", event_id="EvREPLICA1", retry=1).status == 200
    # And both at once: the first delivery and Slack's retry racing on the two replicas.
    replies: list[int] = []
    racers = [threading.Thread(target=lambda r=r, n=n: replies.append(
        r.mention("what is churn rate?", event_id="EvREPLICA2", retry=n).status)) for n, r in ((None, one), (1, two))]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()
    assert sorted(replies) == [200, 200]
    standin.wait_for(lambda: len(standin.posts) == 2)
    time.sleep(1.0)  # a duplicate would show up by now
    assert len(standin.posts) == 2
    assert sum("CTR" in p["text"] for p in standin.posts) == 1


def test_a_vote_given_on_one_replica_is_taken_back_on_the_other(replicas: list[SlackHarness],
                                                               standin: SlackStandIn) -> None:
    one, two = replicas
    one.message("what is CTR?")
    standin.wait_for(lambda: standin.posts)
    buttons = next(e for b in standin.posts[0]["blocks"] if b["type"] == "context_actions" for e in b["elements"])
    down = {"action_id": FEEDBACK, "type": "feedback_buttons", "value": buttons["negative_button"]["value"]}
    one.click(down, ephemeral=False, response_url=standin.response_url("first"))
    standin.wait_for(lambda: any(r["_url"].endswith("first") for r in standin.responses))  # "what was wrong?"
    two.click(down, ephemeral=False, response_url=standin.response_url("second"))  # the same button: taken back
    time.sleep(1.0)
    assert not any(r["_url"].endswith("second") for r in standin.responses)  # no follow-up for a vote taken back
