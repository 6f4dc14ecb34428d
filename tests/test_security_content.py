"""Issue #9, content: what someone who can edit glossary files can and cannot make the bot do."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.answer import Engine
from bot.content import ContentError, Glossary, Paragraph, Section, Slug, Term
from bot.intents import load_intents
from bot.matcher import Matcher
from bot.render import answer_blocks
from tests.conftest import INTENTS, PAGES, ROOT
from tests.slack_harness import SlackHarness
from tests.slack_standin import SlackStandIn

BROADCAST_MARKERS = ("<!channel", "<!here", "<!everyone", "<@U0CEO", "<https://evil")

# ~700 bytes: nine levels of nine aliases each, 9**9 (387 million) strings once expanded.
ALIAS_BOMB = """title: Bomb
definition: Looks harmless.
extra:
  a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
  f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
  g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
  h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
  i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""
EVIL_URL = "https://wiki.example.com/x|x><!channel><@U0CEO><https://evil.example|Log_in>"


def check(content: Path, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", "check", "--content", str(content), "--intents", str(INTENTS)],
                          capture_output=True, text=True, cwd=ROOT, timeout=timeout, check=False,
                          env={**os.environ, "GLOSSARY_CACHE_DIR": "off"})


@pytest.fixture
def content(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(PAGES, folder)
    return folder


# ---- 5. YAML alias bombs ---------------------------------------------------------------------------

def test_check_refuses_an_alias_bomb_at_once_naming_file_and_line(content: Path) -> None:
    (content / "bomb.yaml").write_text(ALIAS_BOMB)
    started = time.monotonic()
    out = check(content)  # before: never finished
    assert time.monotonic() - started < 20
    assert out.returncode == 1
    assert f"{content}/bomb.yaml:4: anchors and aliases (&name, *name) are not allowed in content files" in out.stdout \
        + out.stderr


@pytest.mark.parametrize("text", ["title: T\ndefinition: &d Defined.\nfield: *d\n",
                                  "title: T\ndefinition: D\nsections: &s []\n",
                                  "title: T\ndefinition: D\nextra: {<<: {a: b}}\n"])
def test_any_anchor_or_alias_is_refused_and_ampersands_are_fine(content: Path, text: str) -> None:
    (content / "t.yaml").write_text(text)
    out = check(content)
    if "&" in text:
        assert out.returncode == 1 and "t.yaml:" in out.stdout + out.stderr
        assert "anchors and aliases" in out.stdout + out.stderr
    (content / "t.yaml").write_text("title: R&D spend *per* head\ndefinition: Research & development, '*' & all.\n")
    assert check(content).returncode == 0


def test_an_alias_bomb_dropped_into_a_live_glossary_is_refused_and_requests_keep_flowing(
        standin: SlackStandIn, content: Path, tmp_path: Path, caplog) -> None:
    slack = SlackHarness(standin, content, INTENTS, tmp_path / "state.sqlite3")
    try:
        with caplog.at_level(logging.ERROR, logger="glossary_bot.content"):
            (content / "bomb.yaml").write_text(ALIAS_BOMB)
            deadline = time.monotonic() + 10
            while "bomb.yaml" not in caplog.text and time.monotonic() < deadline:
                reply = slack.command("what is churn rate")
                assert reply.status == 200 and reply.seconds < 1.0
                time.sleep(0.1)
        assert f"{content}/bomb.yaml:4: anchors and aliases" in caplog.text
        assert slack.get("/healthz").json()["terms"] == 12
    finally:
        slack.stop()


# ---- 6. broadcasts through `url` --------------------------------------------------------------------

def test_check_refuses_a_url_that_could_break_out_of_a_link(content: Path) -> None:
    (content / "evil.yaml").write_text(f"title: Evil\ndefinition: Looks fine.\nurl: '{EVIL_URL}'\n")
    out = check(content)
    assert out.returncode == 1
    assert f"{content}/evil.yaml:3: url: " in out.stdout + out.stderr
    for url in ("https://x.example/a b", 'https://x.example/"a', "https://x.example/<a>", "javascript:alert(1)",
                "https://x.example/\x07"):
        (content / "evil.yaml").write_text("title: Evil\ndefinition: Fine.\nurl: " + json.dumps(url) + "\n")
        assert check(content).returncode == 1, url
    (content / "evil.yaml").write_text("title: Evil\ndefinition: Fine.\nurl: https://x.example/a?b=1&c=2#d\n")
    assert check(content).returncode == 0


def test_a_hostile_base_url_never_reaches_slack_as_markup(standin: SlackStandIn, tmp_path: Path) -> None:
    slack = SlackHarness(standin, PAGES, INTENTS, tmp_path / "state.sqlite3", env={"GLOSSARY_BASE_URL": EVIL_URL})
    try:
        slack.mention("what is churn rate?")
        preview = slack.command("what is churn rate")
        standin.wait_for(lambda: standin.posts)
    finally:
        slack.stop()
    for text in (json.dumps(standin.posts), preview.body):
        for marker in BROADCAST_MARKERS:
            assert marker not in text, marker


def test_every_content_string_is_escaped_in_mrkdwn() -> None:
    """A term that skipped validation (an old term cache) still renders inert."""
    evil = "<!channel> & <@U0CEO> <https://evil.example|Log in>"
    term = Term(slug=Slug("t"), title=evil, definition=evil, field=evil, url=EVIL_URL,
                sections=(Section(evil, (Paragraph(evil),)),))
    glossary = Glossary.of([term])
    engine = Engine(glossary, Matcher(glossary, load_intents(INTENTS)), base_url=EVIL_URL)
    for private in (False, True):
        text, blocks = answer_blocks(engine.answer_part("t", "intent:definition"), private=private,
                                     shared_by="U1<!here>")
        rendered = text + json.dumps([b for b in blocks if b["type"] != "actions"])
        for marker in (*BROADCAST_MARKERS, "<!here"):
            assert marker not in rendered, marker
        assert "&amp;" in rendered and "&amp;amp;" not in rendered  # ampersand first, once


# ---- 7. links out of the content folder --------------------------------------------------------------

def test_a_link_out_of_the_content_folder_is_refused_and_named(content: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text((content / "churn-rate.txt").read_text().replace("Churn rate", "Server secrets", 1))
    (content / "leak.txt").symlink_to(secret)
    (content / "drafts").mkdir()
    (content / "drafts" / "brand.yaml").write_text("title: Brand lift\ndefinition: More people know the brand.\n")
    (content / "inside.yaml").symlink_to(content / "drafts" / "brand.yaml")  # a link within the folder is fine
    out = check(content)
    assert out.returncode == 1
    message = out.stdout + out.stderr
    assert f"{content}/leak.txt: is a link to {secret.resolve()}, outside the content folder" in message
    assert "inside.yaml" not in message
    (content / "leak.txt").unlink()
    assert check(content).returncode == 0


def test_intents_file_with_yaml_aliases_is_refused_naming_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "intents.yaml").write_text("intents:\n  - &a {id: definition, label: D, keywords: [x]}\n  - *a\n")
    with pytest.raises(ContentError) as caught:
        load_intents(tmp_path)
    assert "intents.yaml:2" in str(caught.value)
