"""What every listener is bound to: the Slack door's runtime (Bolt app, live glossary, delivery, state
store), built once at start by `bot.slack.app.build_runtime` and shut down together."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.live import Library
from bot.settings import Settings
from bot.slack.delivery import Delivery, InFlight
from bot.store import Store


class StartupError(Exception):
    """Slack refused the bot's token or could not be reached at start: one sentence, exit 2."""


class Identity:
    """Who the bot is (auth.test), asked once at start-up so no request waits on it before its ack."""

    def __init__(self, client: AsyncWebClient, token: str):
        self.client, self.token = client, token
        self.result: AuthorizeResult | None = None

    async def load(self) -> AuthorizeResult:
        try:
            found = await self.client.auth_test()
        except SlackApiError as exc:
            raise StartupError(f"Slack rejected SLACK_BOT_TOKEN ({exc.response.get('error', 'refused')}); "
                               "copy the Bot User OAuth Token (xoxb-…) again from Install App") from None
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise StartupError(f"cannot reach Slack at {self.client.base_url} ({type(exc).__name__}: {exc}); "
                               "check the network or SLACK_API_URL") from None
        self.result = AuthorizeResult(enterprise_id=found.get("enterprise_id"), team_id=found.get("team_id"),
                                      bot_user_id=found.get("user_id"), bot_id=found.get("bot_id"),
                                      bot_token=self.token)
        return self.result


@dataclass
class SlackRuntime:
    """Everything the Slack door owns, built once at start and shut down together."""

    app: AsyncApp
    library: Library
    delivery: Delivery
    events: Store  # the state store (event ids, clicks, the knowledge loop), chosen by GLOSSARY_STATE_URL
    inflight: InFlight
    settings: Settings
    identity: Identity
