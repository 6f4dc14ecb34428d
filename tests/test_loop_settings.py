"""Issue #11's settings: the store chosen by URL, and the knowledge loop's switches, each checked."""

from __future__ import annotations

import pytest

from bot.settings import SettingsError, load_settings, loop_settings
from bot.store import is_postgres, sqlite_path
from tests.slack_harness import BOT_TOKEN, SECRET

HTTP = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET}


def test_the_store_defaults_to_the_sqlite_file_glossary_state_db_names() -> None:
    assert loop_settings({}).state_url == "sqlite:///glossary-bot-state.sqlite3"
    settings = load_settings({**HTTP, "GLOSSARY_STATE_DB": "/var/lib/bot/state.db"}, http=True)
    assert settings.state_url == "sqlite:////var/lib/bot/state.db"
    assert str(sqlite_path(settings.state_url)) == "/var/lib/bot/state.db" == str(settings.state_db)


def test_glossary_state_url_chooses_postgresql() -> None:
    url = "postgresql://glossary:pw@db:5432/glossary"
    settings = load_settings({**HTTP, "GLOSSARY_STATE_URL": url, "GLOSSARY_STATE_DB": "ignored.db"}, http=True)
    assert settings.state_url == url and is_postgres(settings.state_url)
    assert "pw" not in repr(settings)


@pytest.mark.parametrize(("name", "value", "says"), [
    ("GLOSSARY_STATE_URL", "mysql://db/x", "GLOSSARY_STATE_URL must be sqlite:///PATH"),
    ("GLOSSARY_STATE_URL", "sqlite:///", "GLOSSARY_STATE_URL must be sqlite:///PATH"),
    ("GLOSSARY_LOG_QUESTIONS", "maybe", "GLOSSARY_LOG_QUESTIONS must be on or off"),
    ("GLOSSARY_STALE_DAYS", "-3", "GLOSSARY_STALE_DAYS must be a whole number of days"),
    ("GLOSSARY_EXPERTS_CHANNEL", "#experts", "GLOSSARY_EXPERTS_CHANNEL takes a channel ID"),
    ("GLOSSARY_DIGEST_CHANNEL", "U123", "GLOSSARY_DIGEST_CHANNEL takes a channel ID"),
])
def test_a_bad_loop_setting_is_one_sentence_naming_it(name: str, value: str, says: str) -> None:
    with pytest.raises(SettingsError, match=says):
        load_settings({**HTTP, name: value}, http=True)


def test_the_loop_switches_are_read() -> None:
    loop = loop_settings({"GLOSSARY_LOG_QUESTIONS": "OFF", "GLOSSARY_STALE_DAYS": "30",
                          "GLOSSARY_EXPERTS_CHANNEL": "C0EXPERTS", "GLOSSARY_DIGEST_CHANNEL": "C0DIGEST"})
    assert (loop.log_questions, loop.stale_days, loop.experts_channel, loop.digest_channel) == (
        False, 30, "C0EXPERTS", "C0DIGEST")
