"""`glossary-bot chat`, run for real: follow-ups about the term just discussed, choosing what was
offered, short replies to small talk, and a terminal that edits lines (issue #10)."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time

from tests.conftest import PAGES, ROOT
from tests.test_cli_inputs import run_cli


def chat(*lines: str, content: str | None = None) -> list[str]:
    """The replies, one string per typed line that got one (the welcome line first)."""
    out = run_cli("chat", *(["--content", content] if content else []), stdin="".join(f"{x}\n" for x in lines))
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    return [block.strip() for block in out.stdout.split("\n\n") if block.strip()]


def heading(reply: str) -> tuple[str, str]:
    lines = reply.splitlines()
    return lines[0], lines[1]


def test_offered_parts_are_answered_for_the_term_just_discussed() -> None:
    welcome, first, example, pitfalls, usage, definition, lunch, other, mistakes = chat(
        "what is segment", "Worked example", "   ", "where teams go wrong", "how is it used?", "what is it?",
        "what's for lunch?", "pitfalls of brand lift", "what are the usual mistakes people make?")
    assert welcome.startswith("Glossary bot, ")
    assert "Ask next: " in first and "Worked example" in first.splitlines()[-1]
    assert heading(example) == ("Segment (Marketing Technology)", "Worked example")
    assert heading(pitfalls) == ("Segment (Marketing Technology)", "Where teams go wrong")
    assert heading(usage) == ("Segment (Marketing Technology)", "How is Segment used in practice?")
    assert heading(definition) == ("Segment (Marketing Technology)", "What is Segment?")
    assert lunch == "\"what's for lunch?\" is not in the glossary yet."
    assert other == "\"pitfalls of brand lift\" is not in the glossary yet."  # another term, perhaps: no guess
    assert heading(mistakes) == ("Segment (Marketing Technology)", "Where teams go wrong")


def test_a_line_of_spaces_does_not_quit_and_quit_does() -> None:
    replies = chat("   ", "", "what is segment", "quit", "what is segment")
    assert len(replies) == 2 and replies[1].startswith("Segment (Marketing Technology)")
    assert len(chat("exit", "what is segment")) == 1


def test_did_you_mean_is_answered_by_yes_or_by_number() -> None:
    pages = str(PAGES)
    _, offer, chosen, offer_again, second = chat("lifetime", "yes", "segment", "2", content=pages)
    assert offer == "Did you mean: Customer lifetime value (LTV) (Growth)? (yes or no)"
    assert heading(chosen)[0] == "Customer lifetime value (LTV) (Growth)"
    assert offer_again == ("Did you mean: 1. Segment (Marketing Technology), 2. Segment (Analytics)? "
                           "Type a number.")
    assert heading(second)[0] == "Segment (Analytics)"
    _, _, which, none = chat("segment", "yes", "no", content=pages)
    assert which == "Which one? Type its number: 1. Segment (Marketing Technology), 2. Segment (Analytics)."
    assert none == "OK. Try asking another way, or type help."


def test_follow_up_after_a_chosen_option_is_about_that_term() -> None:
    replies = chat("segment", "2", "Where teams go wrong", content=str(PAGES))
    assert heading(replies[-1]) == ("Segment (Analytics)", "Where teams go wrong")


def test_small_talk_gets_short_friendly_replies() -> None:
    _, hello, thanks, helped, yes = chat("hi", "thanks!", "help", "yes")
    assert hello.startswith("Hi! Ask me about a term")
    assert thanks == "You're welcome. Ask about another term any time."
    assert helped.splitlines()[0].startswith("Ask about a term in your own words")
    assert yes == "Nothing is on offer just now: ask about a term, or type help."


def test_at_a_terminal_arrow_keys_edit_the_line_instead_of_landing_in_it() -> None:
    # "what is segmnt", Left ×2, insert "e", End, Enter: with line editing that is "what is segment".
    output = run_in_terminal(["chat"], [b"what is segmnt\x1b[D\x1b[De\x1b[F\r", b"\x1b[A\r", b"\x04"])
    assert output.count("Segment (Marketing Technology)") == 2, output  # Up recalled the line from history
    assert "^[[" not in output and "\x1b[D" not in output


def run_in_terminal(argv: list[str], keys: list[bytes], timeout: float = 60) -> str:
    """Everything the terminal shows while the CLI runs on a pseudo-terminal and these keys are typed,
    each after the output settles."""
    leader, follower = os.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "bot", *argv], stdin=follower, stdout=follower, stderr=follower,
                            cwd=ROOT, env={**os.environ, "TERM": "xterm"}, close_fds=True)
    os.close(follower)
    seen = b""
    deadline = time.monotonic() + timeout
    pending = list(keys)

    def drain(wait: float) -> bool:
        nonlocal seen
        ready, _, _ = select.select([leader], [], [], wait)
        if not ready:
            return False
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the process ended and closed the terminal
            return False
        seen += chunk
        return bool(chunk)

    try:
        while time.monotonic() < deadline and b"> " not in seen:
            drain(0.5)
        while pending and time.monotonic() < deadline:
            os.write(leader, pending.pop(0))
            while drain(1.0):
                pass
        proc.wait(timeout=max(1.0, deadline - time.monotonic()))
        while drain(0.2):
            pass
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(leader)
    return seen.decode("utf-8", "replace")
