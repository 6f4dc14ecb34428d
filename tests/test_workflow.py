"""The Workflow Builder step "Look up a glossary term", end to end against the Slack stand-in."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.slack.ids import LOOKUP_STEP
from bot.slack.listeners.workflow import SORRY
from tests.conftest import INTENTS, PAGES
from tests.slack_harness import FUNCTION_TOKEN, SlackHarness
from tests.slack_standin import SlackStandIn


def test_a_known_term_completes_the_step_with_its_four_outputs(slack: SlackHarness, standin: SlackStandIn) -> None:
    assert slack.run_step({"term": "CAC"}, execution="Fx1").status == 200
    standin.wait_for(lambda: standin.completions)
    done = standin.completions[0]
    assert (done["_method"], done["function_execution_id"]) == ("functions.completeSuccess", "Fx1")
    outputs = done["outputs"]
    assert sorted(outputs) == ["answer", "definition", "link", "title"]
    assert outputs["title"] == "Customer acquisition cost (CAC)"
    assert outputs["definition"].startswith("What it costs, on average, to win one new customer")
    assert outputs["answer"].startswith("What is customer acquisition cost?\n")
    assert outputs["link"] == "https://glossary.example.com/customer-acquisition-cost-cac#worked-example"


def test_a_question_as_input_answers_the_part_it_asks_for(slack: SlackHarness, standin: SlackStandIn) -> None:
    slack.run_step({"term": "common mistakes with ROAS"})
    standin.wait_for(lambda: standin.completions)
    assert standin.completions[0]["outputs"]["answer"].startswith("Where teams go wrong\n")


def test_the_step_finishes_with_the_short_lived_token_slack_gave_it(slack: SlackHarness,
                                                                   standin: SlackStandIn) -> None:
    slack.run_step({"term": "churn rate"})
    standin.wait_for(lambda: standin.completions)
    call = standin.calls_to("functions.completeSuccess")[0]
    assert call.headers["Authorization"] == f"Bearer {FUNCTION_TOKEN}"


@pytest.mark.parametrize(("term", "error"), [
    ("kubernetes", "'kubernetes' is not in the glossary."),
    ("   ", "No term was given to look up."),
    ("segment", "'segment' could mean several terms: Segment (Marketing Technology), Segment (Analytics)."),
])
def test_an_unknown_term_fails_the_step_with_one_sentence(slack: SlackHarness, standin: SlackStandIn,
                                                          term: str, error: str) -> None:
    slack.run_step({"term": term}, execution="Fx2")
    standin.wait_for(lambda: standin.completions)
    assert [(c["_method"], c["function_execution_id"], c["error"]) for c in standin.completions] == [
        ("functions.completeError", "Fx2", error)]


def test_a_retried_step_event_finishes_the_step_once(slack: SlackHarness, standin: SlackStandIn) -> None:
    slack.run_step({"term": "CTR"}, execution="Fx3", event_id="EvStep1")
    slack.run_step({"term": "CTR"}, execution="Fx3", event_id="EvStep1", retry=1)
    slack.wait_until_handled()
    assert len(standin.calls_to("functions.completeSuccess")) == 1


def test_the_link_is_empty_when_no_link_is_configured(standin: SlackStandIn, tmp_path: Path) -> None:
    harness = SlackHarness(standin, PAGES, INTENTS, tmp_path / "s.db", env={"GLOSSARY_BASE_URL": ""})
    try:
        harness.run_step({"term": "CTR"})
        standin.wait_for(lambda: standin.completions)
    finally:
        harness.stop()
    assert standin.completions[0]["outputs"]["link"] == ""


def test_a_step_this_app_does_not_have_fails_with_a_sentence(slack: SlackHarness, standin: SlackStandIn) -> None:
    assert slack.run_step({"term": "CAC"}, callback_id="someone_elses_step", execution="Fx4").status == 200
    standin.wait_for(lambda: standin.completions)
    assert [(c["_method"], c["error"]) for c in standin.completions] == [
        ("functions.completeError", "This app has no workflow step called 'someone_elses_step'.")]
    assert LOOKUP_STEP == "lookup_term"


class BrokenEngine:
    """An engine whose lookup fails, as a bug or a corrupt index would."""

    def ask(self, question: str) -> None:
        raise RuntimeError("index gone")


def test_a_failing_lookup_still_finishes_the_step_kindly(slack: SlackHarness, standin: SlackStandIn) -> None:
    slack.runtime.library.engine = BrokenEngine()  # type: ignore[assignment]
    slack.run_step({"term": "CAC"}, execution="Fx5")
    standin.wait_for(lambda: standin.completions)
    assert [(c["_method"], c["error"]) for c in standin.completions] == [("functions.completeError", SORRY)]
