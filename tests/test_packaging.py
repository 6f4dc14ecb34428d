"""The manifest, the container recipe and the docs say what the code does."""

from __future__ import annotations

import re

import yaml

from bot.slack_app import COMMAND, EXPLAIN_SHORTCUT
from tests.conftest import ROOT

MANIFEST = yaml.safe_load((ROOT / "slack" / "manifest.yaml").read_text())


def test_manifest_declares_exactly_the_command_shortcut_events_and_scopes_used() -> None:
    features, settings = MANIFEST["features"], MANIFEST["settings"]
    assert [c["command"] for c in features["slash_commands"]] == [COMMAND]
    assert [(s["type"], s["callback_id"]) for s in features["shortcuts"]] == [("message", EXPLAIN_SHORTCUT)]
    assert features["app_home"]["home_tab_enabled"] is True
    assert sorted(settings["event_subscriptions"]["bot_events"]) == [
        "app_home_opened", "app_mention", "message.channels", "message.groups", "message.im"]
    assert sorted(MANIFEST["oauth_config"]["scopes"]["bot"]) == [
        "app_mentions:read", "channels:history", "chat:write", "chat:write.public", "commands", "groups:history",
        "im:history"]
    assert settings["socket_mode_enabled"] is True and settings["interactivity"]["is_enabled"] is True


def test_dockerfile_is_slim_non_root_checks_content_and_serves() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.\d+-slim$", text, re.M)
    assert re.search(r"^USER glossary$", text, re.M)
    assert text.index("USER glossary") < text.index("RUN glossary-bot check")
    assert "HEALTHCHECK" in text and "/healthz" in text
    assert text.rstrip().endswith('CMD ["glossary-bot", "serve"]')


def test_readme_documents_every_setting_the_code_reads() -> None:
    readme = (ROOT / "README.md").read_text()
    code = "".join(p.read_text() for p in (ROOT / "bot").glob("*.py"))
    for name in sorted(set(re.findall(r"\"((?:SLACK|GLOSSARY)_[A-Z_]+|PORT|LOG_LEVEL|WEB_CONCURRENCY)\"", code))):
        assert f"`{name}`" in readme or name in readme, f"{name} is read by the code but not in the README"
