"""Getting replies to Slack: paced per channel, retried only where a retry cannot double-post."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

logger = logging.getLogger("glossary_bot.delivery")

REPLY_EVENT_TYPE = "glossary_bot_reply"
ATTEMPTS = 4
BACKOFF_SECONDS = 0.5
SETTLE_SECONDS = 2.0  # after an unclear failure, wait this long before asking whether the post landed


def safe_retry_handlers() -> list[AsyncRetryHandler]:
    """Retries that can never double-post: 429 means Slack did not take the request, and a connection
    that could not be opened means it never arrived. A connection dropped mid-request, 5xx and
    time-outs may have posted: `Delivery` checks before repeating those."""
    return [AsyncRateLimitErrorRetryHandler(max_retry_count=5),
            AsyncConnectionErrorRetryHandler(max_retry_count=3, error_types=[aiohttp.ClientConnectorError])]


class Pacer:
    """At most one post per `interval` seconds per channel, in arrival order (Slack allows ~1/s)."""

    def __init__(self, interval: float):
        self.interval = interval
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}
        self._last: dict[str, float] = {}

    @contextlib.asynccontextmanager
    async def turn(self, channel: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(channel, asyncio.Lock())  # asyncio.Lock wakes waiters first-come
        self._users[channel] = self._users.get(channel, 0) + 1
        try:
            async with lock:
                wait = self._last.get(channel, 0.0) + self.interval - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                try:
                    yield
                finally:
                    self._last[channel] = time.monotonic()
        finally:
            self._users[channel] -= 1
            if not self._users[channel] and time.monotonic() - self._last.get(channel, 0.0) >= self.interval:
                self._forget(channel)

    def _forget(self, channel: str) -> None:
        """Idle channels leave the tables, so a bot in thousands of channels keeps them small."""
        for table in (self._locks, self._users, self._last):
            table.pop(channel, None)


class InFlight:
    """Counts replies being made, so shutdown can wait for them."""

    def __init__(self) -> None:
        self.count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @contextlib.asynccontextmanager
    async def track(self) -> AsyncIterator[None]:
        self.count += 1
        self._idle.clear()
        try:
            yield
        finally:
            self.count -= 1
            if self.count == 0:
                self._idle.set()

    async def wait_idle(self, timeout: float) -> bool:
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True


class Delivery:
    """Posts replies. A failure that may or may not have posted (5xx, time-out, dropped connection) is
    checked against the channel's history, by a reply id carried in message metadata, before any retry."""

    def __init__(self, client: AsyncWebClient, pacer: Pacer, attempts: int = ATTEMPTS,
                 backoff: float = BACKOFF_SECONDS, settle: float = SETTLE_SECONDS):
        self.client = client
        self.pacer = pacer
        self.attempts = attempts
        self.backoff = backoff
        self.settle = settle
        self.lost = 0
        self.session: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        """One connection pool for every call: slack-sdk otherwise opens a session (and a TCP
        connection) per request, which caps throughput long before Slack's rate limits do."""
        self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.client.timeout))
        self.client.session = self.session

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()
            self.client.session = self.session = None

    async def post(self, channel: str, text: str, blocks: list[dict[str, Any]], thread_ts: str | None = None,
                   about: dict[str, str] | None = None) -> str:
        """Post once: "posted", "refused" (Slack said no, e.g. not_in_channel: nothing was posted) or "lost".
        `about` joins the reply id in the message metadata (an answer's term slug and part key), where
        other apps and feedback handlers can read it."""
        reply_id = uuid.uuid4().hex
        metadata = {"event_type": REPLY_EVENT_TYPE, "event_payload": {**(about or {}), "id": reply_id}}
        for attempt in range(1, self.attempts + 1):
            async with self.pacer.turn(channel):
                try:
                    await self.client.chat_postMessage(
                        channel=channel, text=text, blocks=blocks, thread_ts=thread_ts, unfurl_links=False,
                        unfurl_media=False, metadata=metadata)
                    return "posted"
                except SlackApiError as exc:
                    if exc.response.status_code < 500:  # Slack said no (not_in_channel, …): retrying cannot help
                        logger.info("chat.postMessage refused in %s: %s", channel, exc.response.get("error"))
                        return "refused"
                    reason = f"HTTP {exc.response.status_code}"
                except (aiohttp.ClientError, TimeoutError) as exc:
                    reason = type(exc).__name__
            await asyncio.sleep(self.settle)  # a slow Slack may still be finishing the post that "failed"
            if await self._posted(channel, thread_ts, reply_id):
                return "posted"
            logger.info("chat.postMessage to %s failed (%s), attempt %d of %d", channel, reason, attempt, self.attempts)
            await asyncio.sleep(self.backoff * attempt)
        self.lost += 1
        logger.error("reply to %s lost after %d attempts", channel, self.attempts)
        return "lost"

    async def _posted(self, channel: str, thread_ts: str | None, reply_id: str) -> bool:
        """Whether a reply with this id reached the channel (or thread) after all."""
        try:
            if thread_ts:
                page = await self.client.conversations_replies(channel=channel, ts=thread_ts, limit=50,
                                                               include_all_metadata=True)
            else:
                page = await self.client.conversations_history(channel=channel, limit=50, include_all_metadata=True)
        except (SlackApiError, aiohttp.ClientError, TimeoutError):
            return False  # unknown: retrying risks a duplicate, not retrying risks a loss; a loss is worse
        messages: list[dict[str, Any]] = page.get("messages") or []
        return any((m.get("metadata") or {}).get("event_payload", {}).get("id") == reply_id for m in messages)

    async def ephemeral(self, channel: str, user: str, text: str, blocks: list[dict[str, Any]],
                        thread_ts: str | None = None) -> bool:
        """A private note; retried on server errors too (a repeated private note beats a lost one)."""
        return await self._repeatable("chat.postEphemeral", self.client.chat_postEphemeral, channel=channel,
                                      user=user, text=text, blocks=blocks, thread_ts=thread_ts)

    async def publish_home(self, user: str, view: dict[str, Any]) -> bool:
        """views.publish replaces the whole Home tab, so repeating it is harmless."""
        return await self._repeatable("views.publish", self.client.views_publish, user_id=user, view=view)

    async def open_modal(self, trigger_id: str, view: dict[str, Any]) -> None:
        """views.open: not repeated, since a trigger_id works once and expires in 3 seconds."""
        await self.client.views_open(trigger_id=trigger_id, view=view)

    async def set_state(self, name: str, call: Any, **kwargs: Any) -> bool:
        """A call that sets a state (a thread's title or status, the suggested prompts): repeated on
        server errors like the Home tab, since setting the same state twice is harmless."""
        return await self._repeatable(name, call, **kwargs)

    async def _repeatable(self, name: str, call: Any, **kwargs: Any) -> bool:
        for attempt in range(1, self.attempts + 1):
            try:
                await call(**kwargs)
                return True
            except SlackApiError as exc:
                if exc.response.status_code < 500:
                    logger.warning("%s refused: %s", name, exc.response.get("error"))
                    return False
            except (aiohttp.ClientError, TimeoutError):
                pass
            await asyncio.sleep(self.backoff * attempt)
        self.lost += 1
        logger.error("%s lost after %d attempts", name, self.attempts)
        return False

    async def unfurl(self, event: dict[str, Any], unfurls: dict[str, Any]) -> bool:
        """Previews for a link_shared event's links; a missing preview is not worth more than a log line."""
        # Links typed in the message composer carry an unfurl_id and source instead of a real message ts.
        where = ({"unfurl_id": event["unfurl_id"], "source": event["source"]} if event.get("unfurl_id")
                 and event.get("source") else {"channel": event["channel"], "ts": event["message_ts"]})
        try:
            await self.client.chat_unfurl(unfurls=unfurls, **where)
        except SlackApiError as exc:
            logger.warning("chat.unfurl refused: %s", exc.response.get("error"))
            return False
        except (aiohttp.ClientError, TimeoutError) as exc:
            logger.warning("chat.unfurl failed: %s", exc)
            return False
        return True

    async def respond(self, response_url: str, payload: dict[str, Any], *, new_message: bool = False) -> str:
        """Post to an interaction's response_url (which slack-sdk never retries): "posted", "refused",
        "unclear" or "lost". Replacing or deleting the original is idempotent, so any failure short of
        a refusal is retried. A new message (in_channel) cannot be checked afterwards, so after a
        failure that may have posted it (5xx, dropped connection, time-out) it is not repeated: the
        caller gets "unclear" and tells the person."""
        hook = AsyncWebhookClient(response_url, retry_handlers=safe_retry_handlers(), timeout=10, session=self.session)
        for attempt in range(1, self.attempts + 1):
            try:
                result = await hook.send_dict(payload)
            except (aiohttp.ClientError, TimeoutError):
                result = None
            if result is not None and result.status_code < 300:
                return "posted"
            if result is not None and result.status_code < 500 and result.status_code != 429:
                logger.warning("response_url refused: HTTP %s %s", result.status_code, result.body[:200])
                return "refused"
            if new_message:
                return "unclear"
            await asyncio.sleep(self.backoff * attempt)
        self.lost += 1
        logger.error("response_url post lost after %d attempts", self.attempts)
        return "lost"
