"""No duplicate, lost or dangerous replies; content edits go live safely."""

from __future__ import annotations

import itertools
import logging
import shutil
import time
from pathlib import Path

import pytest

from bot.live import Library
from bot.slack.dedupe import EventLog
from tests.conftest import INTENTS, PAGES
from tests.slack_harness import SlackHarness
from tests.slack_standin import Fault, SlackStandIn

# ---- duplicates ------------------------------------------------------------------------------------

def test_a_redelivered_event_is_answered_once(slack: SlackHarness, standin: SlackStandIn) -> None:
    for retry in (None, 1, 2):
        assert slack.mention("what is CTR?", event_id="EvSAME", retry=retry).status == 200
    slack.mention("what is churn rate?")
    slack.wait_until_handled()  # the retries have been dropped or answered by now
    assert sorted(("CTR" in p["text"], "Churn" in p["text"]) for p in standin.posts) == [(False, True), (True, False)]


def test_a_retry_whose_first_delivery_never_arrived_is_answered(slack: SlackHarness, standin: SlackStandIn) -> None:
    slack.mention("what is CTR?", event_id="EvLOST", retry=1)
    standin.wait_for(lambda: standin.posts)
    assert len(standin.posts) == 1


def test_a_restart_does_not_answer_the_same_event_again(standin: SlackStandIn, tmp_path: Path) -> None:
    first = SlackHarness(standin, PAGES, INTENTS, tmp_path / "state.db")
    first.mention("what is CTR?", event_id="EvRESTART")
    standin.wait_for(lambda: standin.posts)
    first.stop()
    second = SlackHarness(standin, PAGES, INTENTS, tmp_path / "state.db")
    second.mention("what is CTR?", event_id="EvRESTART", retry=1)
    second.mention("what is ROAS?")
    standin.wait_for(lambda: len(standin.posts) == 2)
    second.stop()
    assert [("CTR" in p["text"], "ROAS" in p["text"]) for p in standin.posts] == [(True, False), (False, True)]


def test_event_log_claims_once_forgets_after_ttl_and_frees_crashed_claims(tmp_path: Path) -> None:
    now = [1000.0]
    log = EventLog(tmp_path / "e.db", clock=lambda: now[0])
    try:
        assert log.claim("a") and not log.claim("a")
        log.done("a")
        now[0] += 120  # a claim that never finished (crash) can be taken by the retry after a minute
        assert log.claim("b")
        now[0] += 61
        assert log.claim("b")
        assert not log.claim("a")  # done: kept for the whole TTL
        now[0] += 15 * 60
        assert log.claim("a")
    finally:
        log.close()


# ---- retries that cannot double-post ---------------------------------------------------------------

def test_rate_limited_post_is_retried_after_retry_after(slack: SlackHarness, standin: SlackStandIn) -> None:
    standin.fail("chat.postMessage", Fault(status=429, retry_after=1))
    slack.mention("what is CTR?")
    standin.wait_for(lambda: standin.posts, timeout=10)
    attempts = standin.calls_to("chat.postMessage")
    assert len(attempts) == 2 and len(standin.posts) == 1
    assert attempts[1].at - attempts[0].at >= 1.0


def test_server_error_that_posted_nothing_is_retried(slack: SlackHarness, standin: SlackStandIn) -> None:
    standin.fail("chat.postMessage", Fault(status=500), Fault(status=503))
    slack.mention("what is CTR?")
    standin.wait_for(lambda: standin.posts)
    assert len(standin.calls_to("chat.postMessage")) == 3 and len(standin.posts) == 1
    assert len(standin.calls_to("conversations.replies")) == 2  # checked before each retry


@pytest.mark.parametrize("fault", [Fault(status=500, processed=True), Fault(drop=True, processed=True)],
                         ids=["500 after posting", "connection dropped after posting"])
def test_failure_after_the_post_landed_is_not_posted_twice(slack: SlackHarness, standin: SlackStandIn,
                                                          fault: Fault) -> None:
    standin.fail("chat.postMessage", fault)
    slack.message("what is CTR?", channel="D3")
    slack.wait_until_handled()  # the check, and any retry it led to, are done
    assert len(standin.calls_to("conversations.replies")) == 1  # DM answers are threads (agent view)
    assert len(standin.posts) == 1 and len(standin.calls_to("chat.postMessage")) == 1


def test_slow_answer_past_the_client_timeout_is_checked_not_repeated(standin: SlackStandIn, tmp_path: Path) -> None:
    harness = SlackHarness(standin, PAGES, INTENTS, tmp_path / "s.db", env={"SLACK_API_TIMEOUT_SECONDS": "1"})
    harness.runtime.delivery.settle = 1.0  # the post lands 0.5 s after the client gave up; the check waits
    standin.fail("chat.postMessage", Fault(delay=1.5))
    harness.mention("what is CTR?")
    harness.wait_until_handled()  # the check after the time-out, and any retry it led to, are done
    harness.stop()
    assert len(standin.calls_to("conversations.replies")) == 1
    assert len(standin.posts) == 1 and len(standin.calls_to("chat.postMessage")) == 1


def test_response_url_posts_get_the_same_care(slack: SlackHarness, standin: SlackStandIn) -> None:
    standin.fail("respond", Fault(status=500), Fault(status=429, retry_after=1))
    slack.shortcut("what is our ROAS")
    standin.wait_for(lambda: standin.responses, timeout=10)
    assert len(standin.responses) == 1 and len(standin.calls_to("respond/shortcut")) == 3


def test_refused_post_is_not_retried(slack: SlackHarness, standin: SlackStandIn, caplog) -> None:
    standin.fail("chat.postMessage", Fault(status=404))
    slack.mention("what is CTR?")
    slack.wait_until_handled()
    assert len(standin.calls_to("chat.postMessage")) == 1 and standin.posts == []


# ---- pacing -------------------------------------------------------------------------------------------

def test_a_burst_in_one_channel_is_answered_in_order_and_paced(standin: SlackStandIn, tmp_path: Path) -> None:
    harness = SlackHarness(standin, PAGES, INTENTS, tmp_path / "s.db", env={"GLOSSARY_CHANNEL_PACE_SECONDS": "0.3"})
    questions = ["what is CTR?", "what is ROAS?", "what is churn rate?", "what is CAC?", "what is LTV?"]
    for question in questions:
        harness.mention(question, channel="CBUSY")
    harness.mention("what is an MQL?", channel="CQUIET")
    standin.wait_for(lambda: len(standin.posts) == 6, timeout=15)
    harness.stop()
    busy = [c for c in standin.calls_to("chat.postMessage") if c.params["channel"] == "CBUSY"]
    titles = ["Click-through rate", "Return on ad spend", "Churn rate", "Customer acquisition cost",
              "Customer lifetime value"]
    assert [next(t for t in titles if t in c.params["text"]) for c in busy] == titles
    gaps = [b.at - a.at for a, b in itertools.pairwise(busy)]
    assert min(gaps) >= 0.28, gaps
    quiet = next(c for c in standin.calls_to("chat.postMessage") if c.params["channel"] == "CQUIET")
    assert quiet.at < busy[-1].at  # another channel does not wait behind the busy one


# ---- live content ---------------------------------------------------------------------------------------

@pytest.fixture
def content(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    folder.mkdir()
    for name in ("churn-rate.txt", "click-through-rate.txt"):
        shutil.copy(PAGES / name, folder)
    (folder / "reach.yaml").write_text("title: Reach\ndefinition: How many people saw it\n")
    return folder


def _touch_write(path: Path, text: str) -> None:
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text)
    if path.stat().st_mtime_ns == before:  # coarse file-system clocks: make the edit visible
        import os

        os.utime(path, ns=(before + 1_000_000, before + 1_000_000))


def test_edits_go_live_without_restart(content: Path) -> None:
    library = Library(content, INTENTS)
    old = library.engine
    _touch_write(content / "reach.yaml", "title: Reach\ndefinition: People who saw it at least once\n")
    (content / "roas.txt").write_text((PAGES / "return-on-ad-spend.txt").read_text())
    assert library.refresh() is True
    assert library.engine is not old
    answer = library.engine.ask("reach")
    assert answer.part is not None and "at least once" in answer.part.body[0].text  # type: ignore[union-attr]
    assert library.engine.ask("ROAS").answered
    assert library.refresh() is False  # nothing changed since


def test_a_broken_edit_keeps_the_last_good_version_of_that_file(content: Path, caplog) -> None:
    library = Library(content, INTENTS)
    _touch_write(content / "reach.yaml", "title: Reach\ndefinition: [broken\n")
    _touch_write(content / "churn-rate.txt", (content / "churn-rate.txt").read_text().replace(
        "The share of customers who leave", "Customers lost in a period, as a share"))
    with caplog.at_level(logging.ERROR, logger="glossary_bot.content"):
        assert library.refresh() is True
    assert f"{content}/reach.yaml:3: invalid YAML" in caplog.text
    assert library.engine.ask("reach").answered  # the last good Reach still answers
    assert library.engine.glossary.by_slug["churn-rate"].definition.startswith("Customers lost")  # type: ignore


def test_a_glossary_wide_problem_keeps_the_whole_last_good_glossary(content: Path, caplog) -> None:
    library = Library(content, INTENTS)
    (content / "reach-again.yaml").write_text("title: Range\nslug: reach\ndefinition: x\n")
    with caplog.at_level(logging.ERROR, logger="glossary_bot.content"):
        assert library.refresh() is False
    assert "duplicate slug 'reach'" in caplog.text
    assert library.engine.ask("reach").answered


def test_broken_intents_keep_the_last_good_intents(content: Path, tmp_path: Path, caplog) -> None:
    intents = tmp_path / "intents"
    shutil.copytree(INTENTS, intents)
    library = Library(content, intents)
    _touch_write(intents / "intents.yaml", "intents: [\n")
    with caplog.at_level(logging.ERROR, logger="glossary_bot.content"):
        library.refresh()
    assert "intents.yaml:2: invalid YAML" in caplog.text
    assert library.engine.ask("why does churn rate matter").answered


def test_an_edited_headings_file_rereads_every_page_even_from_a_warm_cache(content: Path, tmp_path: Path) -> None:
    intents = tmp_path / "intents"
    shutil.copytree(INTENTS, intents)
    page = "Reach\nPeople who saw it\nWhy it counts\nBecause frequency needs reach first.\n"
    (content / "reach-page.txt").write_text(page)
    (content / "reach.yaml").unlink()
    cache = tmp_path / "cache"
    library = Library(content, intents, cache_dir=cache)
    assert [s.heading for s in library.engine.glossary.by_slug["reach"].sections] == ["Overview"]  # type: ignore[index]
    headings = intents / "headings.yaml"
    _touch_write(headings, headings.read_text().replace("  - Overview\n", "  - Overview\n  - Why it counts\n"))
    assert library.refresh() is True
    assert [s.heading for s in library.engine.glossary.by_slug["reach"].sections] == [  # type: ignore[index]
        "Why it counts"]
    restarted = Library(content, intents, cache_dir=cache)  # the cache written before the edit is not reused
    assert "Why it counts" in [s.heading for s in restarted.engine.glossary.by_slug["reach"].sections]  # type: ignore


def test_the_running_app_serves_edits(slack: SlackHarness, standin: SlackStandIn, tmp_path: Path) -> None:
    folder = tmp_path / "live"
    shutil.copytree(PAGES, folder)
    harness = SlackHarness(standin, folder, INTENTS, tmp_path / "live.db")
    try:
        assert "Reach" not in harness.command("reach").json()["text"]
        (folder / "reach.yaml").write_text("title: Reach\ndefinition: How many people saw it\n")
        deadline = time.monotonic() + 10
        while "How many people saw it" not in harness.command("reach").json()["text"]:
            assert time.monotonic() < deadline, "the edit never went live"
            time.sleep(0.1)
    finally:
        harness.stop()


def test_an_unconfirmed_share_is_not_repeated_and_the_person_is_told(slack: SlackHarness,
                                                                     standin: SlackStandIn) -> None:
    standin.fail("respond", Fault(status=500, processed=True))
    slack.click({"action_id": "glossary_share", "type": "button", "value": '{"s":"churn-rate","p":"faq:0"}'},
                channel="CNOTMEMBER")
    slack.wait_until_handled()
    shared, note = standin.responses  # exactly two: the in_channel share was not repeated
    assert shared["response_type"] == "in_channel"
    assert note["replace_original"] is True and "did not confirm the share" in str(note["blocks"][-1])
    assert "glossary_share" in str(note["blocks"])  # the button is still there


def test_a_loaded_glossary_is_left_out_of_full_collections_until_the_next_reload(content: Path) -> None:
    import gc

    gc.unfreeze()
    library = Library(content, INTENTS)
    assert gc.get_freeze_count() > 0  # the engine's objects are no longer walked by every full collection
    (content / "late.yaml").write_text("title: Late term\ndefinition: Added after start-up\n")
    assert library.refresh()
    assert gc.get_freeze_count() > 0 and library.engine.ask("late term").answered
    gc.unfreeze()


def test_a_refused_reload_keeps_serving_the_terms_of_files_it_had(content: Path, tmp_path: Path) -> None:
    """A file removed and a duplicate slug added in one edit: the reload is refused, and the glossary
    still serving answers the removed file's term from its cached text (nothing re-read, no error)."""
    cache = tmp_path / "cache"
    Library(content, INTENTS, cache_dir=cache)
    library = Library(content, INTENTS, cache_dir=cache)  # warm: terms are read from the cache on first use
    (content / "churn-rate.txt").unlink()
    _touch_write(content / "again.yaml", "title: Reach\ndefinition: A second page with the same slug\n")
    assert not library.refresh()
    answer = library.engine.ask("what is churn rate")
    assert answer.answered and answer.term is not None and answer.term.slug == "churn-rate"
    assert "being updated" not in answer.term.definition


def test_a_reload_builds_only_the_terms_it_reads(content: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    Library(content, INTENTS, cache_dir=cache)
    library = Library(content, INTENTS, cache_dir=cache)
    _touch_write(content / "late.yaml", "title: Late term\ndefinition: Added after start-up\n")
    assert library.refresh()
    kept = library.engine.glossary.by_slug._kept  # type: ignore[attr-defined]
    assert len(kept) < len(library.engine.glossary)  # the reload did not build every term to count them


def test_a_damaged_page_index_is_built_again(content: Path, tmp_path: Path) -> None:
    from bot.cache import index_file

    cache = tmp_path / "cache"
    Library(content, INTENTS, cache_dir=cache)
    index = index_file(cache, content)
    assert index is not None and index.exists()
    index.write_bytes(b"this is not a database" * 100)
    for extra in index.parent.glob(index.name + "-*"):
        extra.unlink()
    assert Library(content, INTENTS, cache_dir=cache).engine.ask("what is churn rate").answered


def test_an_answer_does_not_wait_for_a_reload_waiting_on_another_process(content: Path, tmp_path: Path) -> None:
    """Another process holds the term cache's write lock; a reload waits for it. A question meanwhile
    reads its term on its own connection and is answered while the lock is still held."""
    import sqlite3
    import threading

    cache = tmp_path / "cache"
    Library(content, INTENTS, cache_dir=cache)
    library = Library(content, INTENTS, cache_dir=cache)  # warm: terms are read from the cache on first use
    [db] = cache.glob("terms-*.sqlite3")
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        _touch_write(content / "reach.yaml", "title: Reach\ndefinition: How many people saw it at least once\n")
        reload = threading.Thread(target=library.refresh, daemon=True)
        reload.start()
        time.sleep(0.5)  # the reload is now waiting for the write lock
        answers: list[object] = []
        asking = threading.Thread(target=lambda: answers.append(library.engine.ask("what is churn rate")))
        asking.start()
        asking.join(timeout=20)
        assert not asking.is_alive() and reload.is_alive()  # answered while the reload still waits
    finally:
        other.execute("ROLLBACK")
        other.close()
    reload.join(timeout=120)
    assert answers and getattr(answers[0], "answered", False)
