"""Settings, read once from the environment and validated at start: `local_settings` for every command
that loads the glossary, `load_settings` for `serve`. Every bad value is one sentence naming the variable."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.paths import shipped_dir
from bot.web.links import page_base


class SettingsError(Exception):
    """A missing or malformed setting: the message names the variable and the mode that needs it."""


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
MAX_PORT = 65535


@dataclass(frozen=True)
class Local:
    """What every command that loads the glossary needs (ask, chat, check, serve)."""

    content_dir: Path
    intents_dir: Path
    base_url: str | None = None
    cache_dir: Path | None = None


def intents_dir(env: Mapping[str, str] | None = None, chosen: Path | None = None) -> Path:
    """--intents, else $GLOSSARY_INTENTS_DIR, else the shipped intents/."""
    env = os.environ if env is None else env
    return chosen or Path(env.get("GLOSSARY_INTENTS_DIR") or shipped_dir("intents"))


def content_dir(env: Mapping[str, str] | None = None, chosen: Path | None = None) -> Path:
    """--content, else $GLOSSARY_CONTENT_DIR, else the shipped seeds/."""
    env = os.environ if env is None else env
    return chosen or Path(env.get("GLOSSARY_CONTENT_DIR") or shipped_dir("seeds"))


def cache_dir(env: Mapping[str, str] | None = None) -> Path | None:
    """Where validated terms are cached between runs: $GLOSSARY_CACHE_DIR ("off" turns it off),
    else $XDG_CACHE_HOME/glossary-bot, else ~/.cache/glossary-bot."""
    env = os.environ if env is None else env
    chosen = env.get("GLOSSARY_CACHE_DIR")
    if chosen:
        return None if chosen == "off" else Path(chosen)
    return Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "glossary-bot"


def base_url(env: Mapping[str, str] | None = None) -> str | None:
    env = os.environ if env is None else env
    url = env.get("GLOSSARY_BASE_URL") or None
    if url and not re.match(r"^https?://[^\s/]+(/\S*)?$", url):
        raise SettingsError(f"GLOSSARY_BASE_URL must be an http(s) address like https://wiki.example.com/glossary "
                            f"(got {url!r})")
    return url


DEFAULT_STATE_DB = "glossary-bot-state.sqlite3"
CHANNEL_ID_RE = re.compile(r"^[CG][A-Z0-9]{2,}$")


@dataclass(frozen=True)
class Loop:
    """The knowledge loop's settings: where its state lives, what it keeps, and where it reports."""

    state_url: str = f"sqlite:///{DEFAULT_STATE_DB}"
    log_questions: bool = True
    stale_days: int = 180
    experts_channel: str | None = None
    digest_channel: str | None = None


def state_url(env: Mapping[str, str] | None = None) -> str:
    """$GLOSSARY_STATE_URL (sqlite:///PATH or postgresql://…), else sqlite:/// + $GLOSSARY_STATE_DB."""
    env = os.environ if env is None else env
    url = (env.get("GLOSSARY_STATE_URL") or "").strip()
    if not url:
        return f"sqlite:///{env.get('GLOSSARY_STATE_DB') or DEFAULT_STATE_DB}"
    if url.startswith(("postgresql://", "postgres://")) or (url.startswith("sqlite:///") and len(url) > 10):
        return url
    raise SettingsError("GLOSSARY_STATE_URL must be sqlite:///PATH (sqlite:////abs/path for an absolute one) or "
                        "postgresql://user@host:port/database")


def _channel(env: Mapping[str, str], name: str) -> str | None:
    value = (env.get(name) or "").strip() or None
    if value and not CHANNEL_ID_RE.match(value):
        raise SettingsError(f"{name} takes a channel ID like C0123ABCD, not {value!r}")
    return value


def loop_settings(env: Mapping[str, str] | None = None) -> Loop:
    """Every knowledge-loop setting, checked: each bad value is one sentence naming the variable."""
    env = os.environ if env is None else env
    keep = (env.get("GLOSSARY_LOG_QUESTIONS") or "on").strip().casefold()
    if keep not in ("on", "off"):
        raise SettingsError(f"GLOSSARY_LOG_QUESTIONS must be on or off (got {env.get('GLOSSARY_LOG_QUESTIONS')!r})")
    raw = (env.get("GLOSSARY_STALE_DAYS") or "180").strip()
    if not raw.isdigit() or int(raw) < 1:
        raise SettingsError(f"GLOSSARY_STALE_DAYS must be a whole number of days, 1 or more (got {raw!r})")
    return Loop(state_url(env), keep == "on", int(raw), _channel(env, "GLOSSARY_EXPERTS_CHANNEL"),
                _channel(env, "GLOSSARY_DIGEST_CHANNEL"))


def local_settings(env: Mapping[str, str] | None = None, *, content: Path | None = None,
                   intents: Path | None = None, cached: bool = True) -> Local:
    """Folders, links and the term cache, from the command line first, then the environment."""
    env = os.environ if env is None else env
    return Local(content_dir(env, content), intents_dir(env, intents),
                 page_base(base_url(env), _public_url(env, "every command")), cache_dir(env) if cached else None)


def port_number(raw: str) -> int:
    """A TCP port, 1–65535; raises ValueError with the reason (argparse and PORT both use it)."""
    try:
        value = int(raw.strip())
    except ValueError:
        raise ValueError(f"must be a number (got {raw!r})") from None
    if not 1 <= value <= MAX_PORT:
        raise ValueError(f"must be from 1 to {MAX_PORT} (got {raw})")
    return value


def worker_count(raw: str) -> int:
    """A number of worker processes, 1 or more; raises ValueError with the reason."""
    try:
        value = int(raw.strip())
    except ValueError:
        raise ValueError(f"must be a number of worker processes, 1 or more (got {raw!r})") from None
    if value < 1:
        raise ValueError(f"must be 1 or more (got {raw})")
    return value


@dataclass(frozen=True)
class Settings:
    mode: str  # "socket" or "http"
    bot_token: str
    app_token: str | None = None
    signing_secret: str | None = None
    api_url: str | None = None  # SLACK_API_URL: the Web API base, e.g. a local stand-in in tests
    port: int = 3000
    workers: int = 1
    listen_channels: frozenset[str] = frozenset()
    base_url: str | None = None  # where answers link: GLOSSARY_BASE_URL, else GLOSSARY_PUBLIC_URL/glossary
    web_port: int | None = None  # --web-port: the glossary pages beside Socket Mode
    state_db: Path = Path("glossary-bot-state.sqlite3")
    reload_seconds: float = 2.0
    channel_pace_seconds: float = 1.0
    api_timeout_seconds: float = 15.0
    cache_dir: Path | None = None
    max_body_bytes: int = 1 << 20
    log_level: str = "INFO"
    loop: Loop = Loop()

    @property
    def state_url(self) -> str:
        return self.loop.state_url

    def __repr__(self) -> str:  # never print secrets, even in a debugger or a crash report
        return (f"Settings(mode={self.mode!r}, port={self.port}, api_url={self.api_url!r}, "
                f"listen_channels={sorted(self.listen_channels)}, tokens=<hidden>)")

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.bot_token, self.app_token, self.signing_secret) if s)


def _number(env: Mapping[str, str], name: str, default: float, mode: str, minimum: float = 0) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number (got {raw!r}); it is read in {mode} mode") from None
    if not math.isfinite(value):
        raise SettingsError(f"{name} must be a finite number (got {raw!r}); it is read in {mode} mode")
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum:g} (got {raw}); it is read in {mode} mode")
    return value


def _public_url(env: Mapping[str, str], mode: str) -> str | None:
    public_url = env.get("GLOSSARY_PUBLIC_URL") or None
    if public_url and not re.match(r"^https?://[^\s/]+(/\S*)?$", public_url):
        raise SettingsError(f"GLOSSARY_PUBLIC_URL must be the bot's public address, like https://glossary.example.com "
                            f"(got {public_url!r}); it is read in {mode}")
    return public_url


def _checked(env: Mapping[str, str], name: str, default: str, parse: Callable[[str], int], mode: str) -> int:
    raw = env.get(name) or default
    try:
        return parse(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} {exc}; it is read in {mode}") from None


def _tokens(env: Mapping[str, str], http: bool, mode: str) -> tuple[str, str | None, str | None]:
    """The bot token, app token and signing secret this mode needs, checked."""
    bot, app, secret = env.get("SLACK_BOT_TOKEN"), env.get("SLACK_APP_TOKEN"), env.get("SLACK_SIGNING_SECRET")
    if not (bot or app or secret):
        raise SettingsError("No Slack settings found (SLACK_BOT_TOKEN, SLACK_APP_TOKEN or SLACK_SIGNING_SECRET). "
                            "To try the bot without Slack, run: glossary-bot chat")
    if not bot:
        raise SettingsError(f"SLACK_BOT_TOKEN is not set: {mode} needs the bot token (xoxb-…) to reply")
    if not bot.startswith("xoxb-"):
        raise SettingsError(f"SLACK_BOT_TOKEN must be a bot token starting with xoxb- ({mode})")
    if http:
        if not secret:
            raise SettingsError("SLACK_SIGNING_SECRET is not set: HTTP mode (--http) needs it to verify "
                                "Slack's requests (Basic Information → App Credentials)")
        if not re.fullmatch(r"[0-9a-f]{16,}", secret):
            raise SettingsError("SLACK_SIGNING_SECRET looks malformed: HTTP mode expects the hex string "
                                "shown under App Credentials")
    else:
        if not app:
            raise SettingsError("SLACK_APP_TOKEN is not set: Socket Mode needs an app-level token (xapp-…) "
                                "with connections:write; or run with --http and SLACK_SIGNING_SECRET")
        if not app.startswith("xapp-"):
            raise SettingsError("SLACK_APP_TOKEN must be an app-level token starting with xapp- (Socket Mode)")
    return bot, app, secret


def load_settings(env: Mapping[str, str] | None = None, *, http: bool = False, port: int | None = None,
                  workers: int | None = None, cache_dir: Path | None = None, web_port: int | None = None) -> Settings:
    """Read and check every setting `serve` needs; raises SettingsError with a sentence for a person."""
    env = os.environ if env is None else env
    mode = "HTTP mode (--http)" if http else "Socket Mode"
    bot, app, secret = _tokens(env, http, mode)
    api_url = env.get("SLACK_API_URL") or None
    if api_url and not re.match(r"^https?://[^\s/]+(/.*)?$", api_url):
        raise SettingsError(f"SLACK_API_URL must be an http(s) URL (got {api_url!r}); it is read in {mode}")
    if api_url and not api_url.endswith("/"):
        api_url += "/"
    chosen_port = port if port is not None else _checked(env, "PORT", "3000", port_number, mode)
    chosen_workers = workers if workers is not None else _checked(env, "WEB_CONCURRENCY", "1", worker_count, mode)
    log_level = (env.get("LOG_LEVEL") or "INFO").strip().upper()
    if log_level not in LOG_LEVELS:
        raise SettingsError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)} (got {env.get('LOG_LEVEL')!r}); "
                            f"it is read in {mode}")
    channels = frozenset(c.strip() for c in env.get("GLOSSARY_LISTEN_CHANNELS", "").split(",") if c.strip())
    bad = [c for c in channels if not CHANNEL_ID_RE.match(c)]
    if bad:
        raise SettingsError(f"GLOSSARY_LISTEN_CHANNELS takes channel IDs like C0123ABCD, not {bad[0]!r}")
    public_url = _public_url(env, mode)
    loop = loop_settings(env)
    return Settings(
        mode="http" if http else "socket", bot_token=bot, app_token=app, signing_secret=secret, api_url=api_url,
        port=chosen_port, workers=chosen_workers, listen_channels=channels,
        base_url=page_base(base_url(env), public_url), web_port=web_port,
        state_db=Path(loop.state_url.removeprefix("sqlite:///")) if loop.state_url.startswith("sqlite:")
        else Path(env.get("GLOSSARY_STATE_DB") or DEFAULT_STATE_DB), loop=loop,
        reload_seconds=_number(env, "GLOSSARY_RELOAD_SECONDS", 2.0, mode),
        channel_pace_seconds=_number(env, "GLOSSARY_CHANNEL_PACE_SECONDS", 1.0, mode),
        api_timeout_seconds=_number(env, "SLACK_API_TIMEOUT_SECONDS", 15.0, mode, minimum=1),
        cache_dir=cache_dir, log_level=log_level,
    )
