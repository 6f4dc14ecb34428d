"""The command line, run for real in a subprocess, as a person or a script would run it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import PAGES, ROOT


def run(*args: str, stdin: str | None = None, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
                          cwd=cwd, env={**os.environ, **(env or {})}, timeout=60, check=False)


def test_ask_answers_a_question_from_arguments() -> None:
    out = run("ask", "Where", "do", "teams", "slip", "up", "on", "Segment?")
    assert out.returncode == 0
    assert out.stdout.splitlines()[:2] == ["Segment (Marketing Technology)", "Where teams go wrong"]


def test_ask_json_answers_stdin_lines_in_order() -> None:
    out = run("ask", "--json", stdin="what is segment?\nthanks!\n\nsegmnet example\n")
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [(r["answered"], r["term"], r["heading"]) for r in rows] == [  # one object per line, blank or not
        (True, "Segment", "What is Segment?"), (False, None, None), (False, None, None),
        (True, "Segment", "Worked example")]
    assert rows[2]["text"] == ""
    assert set(rows[0]) == {"answered", "term", "heading", "text", "link", "suggestions", "confidence"}


def test_ask_uses_content_dir_from_environment_and_base_url_for_links() -> None:
    out = run("ask", "--json", "churn rate", env={"GLOSSARY_CONTENT_DIR": str(PAGES),
                                                   "GLOSSARY_BASE_URL": "https://wiki.example.com/g/"})
    row = json.loads(out.stdout)
    assert (row["term"], row["link"]) == ("Churn rate", "https://wiki.example.com/g/churn-rate#worked-example")


def test_ask_json_did_you_mean_lists_suggestions() -> None:
    row = json.loads(run("ask", "--json", "--content", str(PAGES), "segment").stdout)
    assert (row["answered"], row["suggestions"]) == (False, ["Segment (Marketing Technology)",
                                                             "Segment (Analytics)"])


def test_chat_answers_until_end_of_input() -> None:
    out = run("chat", stdin="what is segment\nwhat's for lunch?\n")
    assert out.returncode == 0
    assert "Customer data platform In short" in out.stdout
    assert "\"what's for lunch?\" is not in the glossary yet." in out.stdout


def test_check_passes_on_shipped_content_and_names_the_broken_file(tmp_path: Path) -> None:
    assert run("check").stdout.splitlines()[-1] == "ok: 7 terms, 7 intents"  # after the warnings (stale terms)
    shutil.copy(PAGES / "churn-rate.txt", tmp_path)
    (tmp_path / "reach.yaml").write_text("title: Reach\ndefinition: x\nfaq:\n  - question: ''\n")
    out = run("check", "--content", str(tmp_path))
    assert out.returncode == 1
    assert f"{tmp_path}/reach.yaml:4: faq[0].question: empty" in out.stderr


def test_import_writes_yaml_that_check_accepts(tmp_path: Path) -> None:
    out = run("import", str(PAGES / "segment.txt"), str(PAGES / "segment_analytics.txt"), "--out", str(tmp_path))
    assert out.stdout.splitlines() == [f"wrote {tmp_path}/segment.yaml", f"wrote {tmp_path}/segment-analytics.yaml"]
    assert run("check", "--content", str(tmp_path)).returncode == 0


def test_readme_commands_are_the_ones_ci_and_people_run() -> None:
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"^(python3 -m venv .*)$", readme, re.M)
    assert commands[0].endswith("pip install . && glossary-bot chat")
    assert commands[1].endswith("pip install -e '.[test]' && python -m pytest")
    ci = (ROOT / ".ci" / "run").read_text()
    assert "pip install --quiet -e '.[test]'" in ci and "python -m pytest" in ci


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out),
                    str(ROOT)], check=True, timeout=300, capture_output=True)
    return next(out.glob("glossary_bot-*.whl"))


def test_installed_wheel_finds_shipped_content_from_any_folder(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    assert (site / "bot" / "_data" / "seeds" / "segment.yaml").is_file()
    assert (site / "bot" / "_data" / "intents" / "intents.yaml").is_file()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = subprocess.run([sys.executable, "-m", "bot", "ask", "--json", "segment"], capture_output=True, text=True,
                         cwd=elsewhere, env={**os.environ, "PYTHONPATH": str(site)}, timeout=60, check=True)
    assert json.loads(out.stdout)["term"] == "Segment"
    entry = [line for line in zipfile.ZipFile(wheel).read(
        next(n for n in zipfile.ZipFile(wheel).namelist() if n.endswith("entry_points.txt"))).decode().splitlines()
        if "glossary-bot" in line]
    assert entry == ["glossary-bot = bot.cli:main"]


def test_installed_console_script_runs_chat_as_the_readme_says() -> None:
    script = Path(sys.executable).parent / "glossary-bot"
    assert script.exists(), "pip install puts glossary-bot next to the interpreter"
    out = subprocess.run([str(script), "chat"], input="what is segment\n", capture_output=True, text=True,
                         cwd=ROOT, timeout=60, check=True)
    assert "Glossary bot, 7 terms." in out.stdout and "Customer data platform In short" in out.stdout


def test_check_warns_about_a_shared_acronym_and_passes(tmp_path: Path) -> None:
    (tmp_path / "pr1.yaml").write_text("title: Pull request (PR)\ndefinition: A proposed code change\n")
    (tmp_path / "pr2.yaml").write_text("title: Public relations (PR)\ndefinition: How the press sees us\n")
    out = run("check", "--content", str(tmp_path))
    assert out.returncode == 0
    assert "warning:" in out.stdout and "'PR' also names" in out.stdout and "ok: 2 terms" in out.stdout


@pytest.mark.parametrize("name", ["fresh", "cncf", "legal", "fineng"])
def test_each_independent_set_passes_its_validator_and_loads(name: str) -> None:
    """The sets written without the code (tests/fixtures/<name>) stay what their validators accept, and
    `check` loads them: shared acronyms ("FCR", "CD", "DPA", "RPO") are warnings, not errors."""
    folder = ROOT / "tests" / "fixtures" / name
    validated = subprocess.run([sys.executable, "validate.py"], cwd=folder, capture_output=True, text=True,
                               timeout=60, check=False)
    assert validated.returncode == 0 and "0 problem(s)" in validated.stdout, validated.stdout[-500:]
    checked = run("check", "--content", str(folder / "pages"))
    assert checked.returncode == 0, checked.stderr
    assert re.fullmatch(r"ok: \d+ terms, 7 intents", checked.stdout.splitlines()[-1])
