"""The manifest, the container recipe and the docs say what the code does."""

from __future__ import annotations

import re

import yaml

from bot.slack.ids import COMMAND, EXPLAIN_SHORTCUT, LOOKUP_STEP
from tests.conftest import ROOT

MANIFEST = yaml.safe_load((ROOT / "slack" / "manifest.yaml").read_text())


def test_manifest_declares_exactly_the_command_shortcut_events_and_scopes_used() -> None:
    features, settings = MANIFEST["features"], MANIFEST["settings"]
    assert [c["command"] for c in features["slash_commands"]] == [COMMAND]
    assert [(s["type"], s["callback_id"]) for s in features["shortcuts"]] == [("message", EXPLAIN_SHORTCUT)]
    assert features["app_home"]["home_tab_enabled"] is True and features["app_home"]["messages_tab_enabled"] is True
    assert sorted(settings["event_subscriptions"]["bot_events"]) == [
        "app_home_opened", "app_mention", "function_executed", "link_shared", "message.channels", "message.groups",
        "message.im"]
    assert sorted(MANIFEST["oauth_config"]["scopes"]["bot"]) == [
        "app_mentions:read", "assistant:write", "channels:history", "chat:write", "chat:write.public", "commands",
        "groups:history", "im:history", "links:read", "links:write"]
    assert features["unfurl_domains"]
    assert settings["socket_mode_enabled"] is True and settings["interactivity"]["is_enabled"] is True


# What each listener kind and Web API method the code uses needs from the manifest: (events, scopes).
# The agent container and the workflow step need no event of their own beyond these: the Messages tab
# opening is app_home_opened (tab "messages"), its questions are message.im; a step's functions.* calls
# are made with the step's own token.
LISTENER_NEEDS: dict[str, tuple[set[str], set[str]]] = {
    'event("app_mention")': ({"app_mention"}, {"app_mentions:read"}),
    'event("message")': ({"message.channels", "message.groups", "message.im"},
                         {"channels:history", "groups:history", "im:history"}),
    'event("app_home_opened")': ({"app_home_opened"}, set()),
    'event("link_shared")': ({"link_shared"}, {"links:read"}),
    "function(": ({"function_executed"}, set()),
    "command(": (set(), {"commands"}),
    "shortcut(": (set(), {"commands"}),
}
METHOD_SCOPES: dict[str, set[str]] = {
    "auth_test": set(),
    # chat:write.public: "Ask the owner" and owners' digests post in an owner channel the bot has not joined.
    "chat_postMessage": {"chat:write", "chat:write.public"},
    "views_open": set(),
    "chat_getPermalink": set(),
    "chat_postEphemeral": {"chat:write"},
    "views_publish": set(),
    "conversations_history": {"channels:history", "groups:history", "im:history"},
    "conversations_replies": {"channels:history", "groups:history", "im:history"},
    "assistant_threads_setSuggestedPrompts": {"assistant:write"},
    "assistant_threads_setTitle": {"assistant:write"},
    "assistant_threads_setStatus": {"assistant:write"},
    "chat_unfurl": {"links:write"},
}


def test_every_event_and_scope_in_the_manifest_is_needed_by_a_listener_or_call_in_the_code() -> None:
    code = "".join(p.read_text() for p in (ROOT / "bot").rglob("*.py"))
    listeners = {kind for kind in LISTENER_NEEDS if re.search(r"app\." + re.escape(kind), code)}
    methods = set(re.findall(r"client\.(\w+)\(|client\.(\w+),", code))
    called = {m for pair in methods for m in pair if m}
    assert called <= set(METHOD_SCOPES), f"map these methods to their scopes: {called - set(METHOD_SCOPES)}"
    events = set().union(*(LISTENER_NEEDS[k][0] for k in listeners))
    scopes = set().union(*(LISTENER_NEEDS[k][1] for k in listeners), *(METHOD_SCOPES[m] for m in called))
    assert set(MANIFEST["settings"]["event_subscriptions"]["bot_events"]) == events
    assert set(MANIFEST["oauth_config"]["scopes"]["bot"]) == scopes


def test_manifest_declares_the_agent_view_and_the_workflow_step_the_code_handles() -> None:
    assert MANIFEST["features"]["agent_view"]["agent_description"]
    assert "assistant_view" not in MANIFEST["features"]  # retired for new apps; agent_view replaces it
    step = MANIFEST["functions"][LOOKUP_STEP]
    assert step["title"] == "Look up a glossary term"
    assert {k: v["type"] for k, v in step["input_parameters"].items()} == {"term": "string"}
    assert sorted(step["output_parameters"]) == ["answer", "definition", "link", "title"]
    assert all(v["name"] == k for k, v in [*step["input_parameters"].items(), *step["output_parameters"].items()])
    settings = MANIFEST["settings"]
    assert settings["org_deploy_enabled"] is True and settings["function_runtime"] == "remote"


def test_dockerfile_is_slim_non_root_checks_content_and_serves() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.\d+-slim$", text, re.M)
    assert re.search(r"^USER glossary$", text, re.M)
    assert text.index("USER glossary") < text.index("RUN glossary-bot check")
    assert "HEALTHCHECK" in text and "/healthz" in text
    assert text.rstrip().endswith('CMD ["glossary-bot", "serve"]')


def test_readme_documents_every_setting_the_code_reads() -> None:
    readme = (ROOT / "README.md").read_text()
    code = "".join(p.read_text() for p in (ROOT / "bot").rglob("*.py"))
    for name in sorted(set(re.findall(r"\"((?:SLACK|GLOSSARY)_[A-Z_]+|PORT|LOG_LEVEL|WEB_CONCURRENCY)\"", code))):
        assert f"`{name}`" in readme or name in readme, f"{name} is read by the code but not in the README"
