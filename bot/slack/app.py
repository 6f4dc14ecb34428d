"""The Slack app: `build_runtime` builds Bolt's AsyncApp, its clients, delivery and state store once, and
registers every listener (`bot.slack.listeners`)."""

from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.web.async_client import AsyncWebClient

from bot.live import Library
from bot.settings import Settings
from bot.slack import listeners
from bot.slack.delivery import Delivery, InFlight, Pacer, safe_retry_handlers
from bot.slack.runtime import Identity, SlackRuntime
from bot.store import make_store

__all__ = ["SlackRuntime", "build_runtime"]


def build_runtime(settings: Settings, library: Library) -> SlackRuntime:
    base_url = settings.api_url or AsyncWebClient.BASE_URL
    # Bolt copies base_url and retry handlers from the app's client into the one it builds per
    # request, so SLACK_API_URL reaches every call. That client carries no token: `authorize`
    # supplies it, from the identity checked once at start-up. Our own calls use `api`.
    api = AsyncWebClient(token=settings.bot_token, base_url=base_url, retry_handlers=safe_retry_handlers(),
                         timeout=int(settings.api_timeout_seconds))
    identity = Identity(api, settings.bot_token)

    async def authorize() -> AuthorizeResult:  # Bolt fills arguments by name: a plain function, not a method
        return identity.result or await identity.load()

    bolt_logger = logging.getLogger("glossary_bot.bolt")
    # Bolt reads SLACK_BOT_TOKEN from the environment and warns that `authorize` wins over it, which
    # is what we want; the warning would only alarm whoever reads the logs.
    bolt_logger.addFilter(lambda record: "token` (or SLACK_BOT_TOKEN" not in record.getMessage()
                          and "`token` will be unused" not in record.getMessage())
    app = AsyncApp(client=AsyncWebClient(base_url=base_url, retry_handlers=safe_retry_handlers(), timeout=15),
                   signing_secret=settings.signing_secret or "", authorize=authorize,
                   request_verification_enabled=settings.mode == "http", logger=bolt_logger)
    runtime = SlackRuntime(app, library, Delivery(api, Pacer(settings.channel_pace_seconds)),
                           make_store(settings.state_url), InFlight(), settings, identity)
    listeners.register(app, runtime)
    return runtime
