"""Bad input at the command line: one clear sentence and a non-zero exit, never a traceback (issue #10).

Every test runs the real command line: `main(argv)` in this process, or a subprocess where the
terminal or the process matters."""

from __future__ import annotations

import pytest

from bot.cli import main

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

