"""Every `glossary-bot ask …` and `glossary-bot check` the README shows runs, as written, on what ships.

A trailing `# → TEXT` comment in the README is the promise: TEXT must appear in what the command prints."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys

import pytest

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()
SHELL_BLOCKS = re.findall(r"```sh\n(.*?)```", README, re.S)
EXAMPLES = [line.strip() for block in SHELL_BLOCKS for line in block.splitlines()
            if re.match(r"\s*glossary-bot (ask|check)\b", line)]


def test_the_readme_shows_ask_and_check_examples() -> None:
    assert sum(e.startswith("glossary-bot ask") for e in EXAMPLES) >= 3
    assert any(e.startswith("glossary-bot check") for e in EXAMPLES)


@pytest.mark.parametrize("example", EXAMPLES)
def test_readme_example_runs_as_shown(example: str) -> None:
    command, _, comment = example.partition("  #")
    promise = comment.strip().removeprefix("→").strip() if comment.strip().startswith("→") else None
    argv = shlex.split(command)
    assert argv[0] == "glossary-bot"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GLOSSARY_CONTENT", "GLOSSARY_INTENTS"))}
    out = subprocess.run([sys.executable, "-m", "bot", *argv[1:]], capture_output=True, text=True, cwd=ROOT,
                         env=env, timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    assert "not in the glossary yet" not in out.stdout and "Did you mean" not in out.stdout
    if promise:
        assert promise in out.stdout, f"README promises {promise!r}; got:\n{out.stdout}"


def test_the_chat_lines_the_quick_start_suggests_get_answers() -> None:
    block = README.split("In `chat`, try:", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    typed = [re.split(r"\s{2,}", line[2:].strip())[0] for line in block.splitlines() if line.startswith("> ")]
    assert typed == ["what is CAC?", "Worked example", "ad spend", "yes", "thanks"]
    out = subprocess.run([sys.executable, "-m", "bot", "chat"], input="".join(f"{t}\n" for t in typed),
                         capture_output=True, text=True, cwd=ROOT, timeout=60, check=True)
    replies = [b.strip() for b in out.stdout.split("\n\n") if b.strip()][1:]
    assert [r.splitlines()[0] for r in replies] == [
        "Customer acquisition cost (CAC) (Growth)", "Customer acquisition cost (CAC) (Growth)",
        "Did you mean: Return on ad spend (ROAS) (Advertising)? (yes or no)", "Return on ad spend (ROAS) (Advertising)",
        "You're welcome. Ask about another term any time."]
    assert replies[1].splitlines()[1] == "Worked example"
