"""Bad input at the command line: one clear sentence and a non-zero exit, never a traceback (issue #10).

Every test runs the real command line: `main(argv)` in this process, or a subprocess where the
terminal or the process matters."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import PAGES, ROOT, SEEDS

BOT_TOKEN = "xoxb-1-test"
SECRET = "0123456789abcdef0123456789abcdef"


def run_main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit_:  # argparse exits on its own
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def one_sentence(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"expected one line, got: {err!r}"
    assert "Traceback" not in err
    return lines[0]


# ---- settings are read only by the commands that need them ------------------------------------

def test_serve_settings_do_not_break_other_commands(capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"WEB_CONCURRENCY": "auto", "LOG_LEVEL": "verbose", "PORT": "eighty"}.items():
        monkeypatch.setenv(name, value)
    code, out, err = run_main(capsys, "ask", "what", "is", "segment")
    assert code == 0, err
    assert out.startswith("Segment (Marketing Technology)\n")


@pytest.mark.parametrize(("env", "sentence"), [
    ({"WEB_CONCURRENCY": "auto"}, "glossary-bot serve: WEB_CONCURRENCY must be a number of worker processes, "
                                  "1 or more (got 'auto'); it is read in HTTP mode (--http)"),
    ({"WEB_CONCURRENCY": "0"}, "glossary-bot serve: WEB_CONCURRENCY must be 1 or more (got 0)"),
    ({"LOG_LEVEL": "verbose"}, "glossary-bot serve: LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, "
                               "CRITICAL (got 'verbose'); it is read in HTTP mode (--http)"),
    ({"PORT": "99999"}, "glossary-bot serve: PORT must be from 1 to 65535 (got 99999)"),
    ({"GLOSSARY_RELOAD_SECONDS": "nan"}, "glossary-bot serve: GLOSSARY_RELOAD_SECONDS must be a finite number"),
])
def test_bad_serve_setting_is_one_sentence_naming_the_variable(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, env: dict, sentence: str) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code, _, err = run_main(capsys, "serve", "--http")
    assert code == 2
    assert one_sentence(err).startswith(sentence)


@pytest.mark.parametrize(("argv", "sentence"), [
    (("--port", "99999"), "glossary-bot serve: argument --port: must be from 1 to 65535 (got 99999)"),
    (("--port", "-1"), "glossary-bot serve: argument --port: must be from 1 to 65535 (got -1)"),
    (("--port", "http"), "glossary-bot serve: argument --port: must be a number (got 'http')"),
    (("--workers", "0"), "glossary-bot serve: argument --workers: must be 1 or more (got 0)"),
    (("--workers", "-3"), "glossary-bot serve: argument --workers: must be 1 or more (got -3)"),
])
def test_bad_port_or_workers_is_refused_while_parsing(capsys: pytest.CaptureFixture[str], argv: tuple[str, ...],
                                                      sentence: str) -> None:
    code, _, err = run_main(capsys, "serve", "--http", *argv)
    assert code == 2
    assert one_sentence(err).startswith(sentence)


def test_bad_base_url_is_one_sentence_for_every_command_that_links(capsys: pytest.CaptureFixture[str],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GLOSSARY_BASE_URL", "wiki/glossary")
    code, _, err = run_main(capsys, "ask", "segment")
    assert code == 2
    assert one_sentence(err) == ("glossary-bot ask: GLOSSARY_BASE_URL must be an http(s) address like "
                                 "https://wiki.example.com/glossary (got 'wiki/glossary')")


def test_unknown_option_is_one_sentence(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_main(capsys, "ask", "--jsn", "segment")
    assert code == 2
    assert one_sentence(err) == "glossary-bot: unrecognized arguments: --jsn (see glossary-bot --help)"



# ---- ask: one reply per line, and a hint at a terminal ------------------------------------------

def test_ask_json_gives_one_object_per_input_line_even_blank_ones() -> None:
    lines = ["what is segment", "", "   ", "segment example"]
    out = run_cli("ask", "--json", stdin="\n".join(lines) + "\n")
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(rows) == len(lines)
    assert [r["answered"] for r in rows] == [True, False, False, True]
    assert rows[1] == {"answered": False, "term": None, "heading": None, "text": "", "link": None,
                       "suggestions": [], "confidence": 0.0}


def test_ask_at_a_terminal_says_what_it_waits_for_and_a_pipe_gets_no_hint() -> None:
    out = run_in_terminal(["ask"], b"what is segment\n\x04")
    assert "Type one question per line; Ctrl-D ends." in out.stderr
    assert "Segment (Marketing Technology)" in out.stdout
    assert run_cli("ask", stdin="segment\n").stderr == ""


def run_in_terminal(argv: list[str], typed: bytes) -> subprocess.CompletedProcess:
    """Run the CLI with a pseudo-terminal as stdin (as a person at a terminal would), stdout and stderr piped."""
    leader, follower = os.openpty()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "bot", *argv], stdin=follower, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, cwd=ROOT, text=True)
        os.close(follower)
        os.write(leader, typed)
        out, err = proc.communicate(timeout=60)
    finally:
        os.close(leader)
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


def run_cli(*args: str, stdin: str | None = None, env: dict | None = None,
            cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
                          cwd=cwd, env={**os.environ, **(env or {})}, timeout=60, check=False)


# ---- the content folder: nothing empty, nothing skipped silently --------------------------------

@pytest.mark.parametrize("command", ["check", "ask", "chat"])
def test_a_folder_without_terms_is_an_error_everywhere(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                       command: str) -> None:
    (tmp_path / "notes.rtf").write_text("not a term\n")
    code, out, err = run_main(capsys, command, "--content", str(tmp_path), *(["segment"] if command == "ask" else []))
    assert code == 1
    assert not out
    assert err.splitlines()[-1] == (f"glossary-bot {command}: {tmp_path}: no term files in this folder "
                                    "(.yaml, .yml, .txt, .md or .csv); a glossary needs at least one term")


def test_upper_case_extensions_are_read_and_other_entries_are_named(capsys: pytest.CaptureFixture[str],
                                                                    tmp_path: Path) -> None:
    shutil.copy(SEEDS / "segment.yaml", tmp_path / "UP.YAML")
    shutil.copy(PAGES / "churn-rate.txt", tmp_path / "CHURN.TXT")
    (tmp_path / "drafts").mkdir()
    shutil.copy(PAGES / "ab-test.txt", tmp_path / "drafts")
    (tmp_path / "ab-test.docx").write_text("A/B test\n")
    (tmp_path / ".hidden.yaml").write_text("not: read\n")
    code, out, err = run_main(capsys, "check", "--content", str(tmp_path))
    assert (code, out.splitlines()[-1]) == (0, "ok: 2 terms, 7 intents")  # after the warnings (stale terms)
    assert err.splitlines() == [
        f"glossary-bot: warning: {tmp_path}/ab-test.docx: is not a term file (.yaml, .yml, .txt, .md or .csv), "
        "so it is not read",
        f"glossary-bot: warning: {tmp_path}/drafts: is a sub-folder, so its files are not read (only files directly "
        "in the content folder are)"]


def test_a_latin1_file_is_named_with_the_same_words_by_check_and_import(capsys: pytest.CaptureFixture[str],
                                                                          tmp_path: Path) -> None:
    page = tmp_path / "content" / "cafe.txt"
    page.parent.mkdir()
    page.write_bytes("Café\nA place for coffee\n".encode("latin-1"))
    sentence = f"{page}: not UTF-8 text (invalid continuation byte at byte 3); save it as UTF-8"
    code, _, err = run_main(capsys, "check", "--content", str(page.parent))
    assert (code, err) == (1, f"glossary-bot check: {sentence}\n")
    code, _, err = run_main(capsys, "import", str(page), "--out", str(tmp_path / "out"))
    assert (code, err) == (1, f"glossary-bot import: {sentence}\n")


def test_content_naming_a_file_is_one_sentence(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_main(capsys, "check", "--content", str(ROOT / "README.md"))
    assert (code, err) == (1, f"glossary-bot check: {ROOT / 'README.md'}: is a file, not a folder\n")


def test_serve_on_a_missing_content_folder_is_one_sentence_naming_it(tmp_path: Path) -> None:
    out = run_cli("serve", "--http", "--content", str(tmp_path / "missing"), cwd=tmp_path,
                  env={"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "0123456789abcdef0123"})
    assert out.returncode == 1
    assert out.stderr.strip().splitlines()[-1] == (f"glossary-bot serve: {tmp_path / 'missing'}: content folder "
                                                   "not found (--content or GLOSSARY_CONTENT_DIR)")
