"""Issue #9, state and replays: a damaged state database stops start-up, the store never stalls the
event loop, and a replayed click does nothing."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from bot.slack.dedupe import EventLog
from bot.store.sqlite import SqliteStore
from tests.served import Served
from tests.slack_harness import SlackHarness
from tests.slack_standin import SlackStandIn


def _full_db(path: Path, rows: int = 3000) -> None:
    log = EventLog(path)
    for i in range(rows):
        log.claim(f"Ev{i:06d}-" + "x" * 40)
    log.close()


def _damage_pages(path: Path) -> None:
    """Keep the 100-byte header (so it still looks like SQLite) and scribble over later pages."""
    data = bytearray(path.read_bytes())
    assert len(data) > 5 * 4096
    for start in range(2 * 4096, len(data) - 4096, 3 * 4096):
        data[start:start + 4096] = bytes((i * 37 + 11) % 256 for i in range(4096))
    path.write_bytes(bytes(data))


def _another_schema(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE users (name TEXT, email TEXT)")
    db.commit()
    db.close()


def _other_columns(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE events (id TEXT PRIMARY KEY, payload BLOB)")
    db.commit()
    db.close()


def _not_sqlite(path: Path) -> None:
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 8000)


@pytest.mark.parametrize("spoil", [_damage_pages, _another_schema, _other_columns, _not_sqlite],
                         ids=["damaged pages", "another schema", "other columns", "garbage after a valid header"])
def test_a_damaged_or_foreign_state_db_stops_start_with_a_sentence(standin: SlackStandIn, tmp_path: Path,
                                                                   spoil) -> None:
    state = tmp_path / "state.sqlite3"
    if spoil is _damage_pages:
        _full_db(state)
    spoil(state)
    served = Served(standin, tmp_path, state_db=state, wait=False)
    served.process.wait(30)
    log = served.log()
    served.stop()
    assert served.process.returncode == 2, log
    assert f"the state database {state} (GLOSSARY_STATE_DB) cannot be used" in log
    assert "Traceback" not in log
    assert [c.method for c in standin.calls] == []  # stopped before it took any request


def test_healthz_reports_the_store(standin: SlackStandIn, tmp_path: Path) -> None:
    served = Served(standin, tmp_path)
    try:
        with urllib.request.urlopen(served.url + "/healthz", timeout=5) as reply:
            health = json.loads(reply.read())
        assert health["ok"] is True and health["store"] == "ok"
    finally:
        served.stop()


def test_healthz_is_503_when_the_store_breaks_while_running(slack: SlackHarness, tmp_path: Path) -> None:
    slack.mention("what is CTR?")
    store = slack.runtime.events
    assert isinstance(store, SqliteStore)
    store._db.execute("DROP TABLE events")  # as if the file were swapped under us
    reply = slack.get_status("/healthz")
    assert reply.status == 503 and reply.json()["ok"] is False and "events" in reply.json()["store"]


# ---- the store off the event loop -------------------------------------------------------------

def test_a_locked_store_does_not_stall_other_requests(standin: SlackStandIn, tmp_path: Path) -> None:
    served = Served(standin, tmp_path)
    harness = _client(standin, served)
    holder = sqlite3.connect(served.state_db, isolation_level=None, timeout=1)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        mention: list = []
        threading.Thread(target=lambda: mention.append(harness.mention("what is CTR?", event_id="EvLOCKED"))).start()
        time.sleep(0.2)
        command = harness.command("what is churn rate?")
        assert command.status == 200 and command.seconds < 1.0, command.seconds  # was ~5 s: the loop was blocked
        deadline = time.monotonic() + 10
        while not mention and time.monotonic() < deadline:
            time.sleep(0.05)
        assert mention and mention[0].seconds < 3.0  # within Slack's ack window, as a 503 that Slack retries
        assert mention[0].status == 503
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    try:
        assert harness.mention("what is CTR?", event_id="EvLOCKED", retry=1).status == 200  # Slack's retry
        standin.wait_for(lambda: standin.posts)
    finally:
        served.stop()  # SIGTERM: the server finishes every reply in flight before it exits
    assert len(standin.posts) == 1


def _client(standin: SlackStandIn, served: Served) -> SlackHarness:
    """The harness's request helpers, aimed at a served process instead of an in-process app."""
    client = SlackHarness.__new__(SlackHarness)
    client.standin, client.url, client.port = standin, served.url, served.port
    return client


# ---- replayed clicks ---------------------------------------------------------------------------

def test_a_replayed_share_click_posts_once(slack: SlackHarness, standin: SlackStandIn) -> None:
    payload: dict[str, Any] = {"type": "block_actions", "user": {"id": "U1"}, "team": {"id": "T1"}, "api_app_id": "A1",
               "trigger_id": "13345224609.738474920.8088930838d88f008e0", "channel": {"id": "C1"},
               "container": {"type": "message", "message_ts": "1700000001.000200", "is_ephemeral": True},
               "response_url": standin.response_url("replay"),
               "actions": [{"action_id": "glossary_share", "type": "button", "action_ts": "1700000002.123456",
                            "value": json.dumps({"s": "churn-rate", "p": "intent:definition"})}]}
    for _ in range(3):
        assert slack.interact(payload).status == 200
    slack.wait_until_handled()
    assert len(standin.posts) == 1
    # A new click (Slack gives it a new trigger_id and action_ts) is a new share.
    again = {**payload, "trigger_id": "13345224609.738474920.second",
             "actions": [{**payload["actions"][0], "action_ts": "1700000009.000001"}]}
    assert slack.interact(again).status == 200
    standin.wait_for(lambda: len(standin.posts) == 2)
