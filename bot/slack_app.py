"""The Slack door: a Bolt AsyncApp whose listeners ack, make one call into the engine, and reply."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot import unfurls
from bot.answer import Answer, Engine
from bot.dedupe import EventLog
from bot.delivery import Delivery, InFlight, Pacer, safe_retry_handlers
from bot.live import Library
from bot.normalise import tokens
from bot.render import CHOOSE, EXAMPLE, PICK_PART, SHARE, answer_blocks, context
from bot.settings import Settings
from bot.views import HOME_LETTER, HOME_PAGE, LIST_PAGE, explain_blocks, help_blocks, home_view, list_blocks

logger = logging.getLogger("glossary_bot.slack")

COMMAND = "/glossary"
EXPLAIN_SHORTCUT = "explain_terms"
SORRY = "Sorry, I could not answer that just now. Please try again in a moment."
UNCLEAR_SHARE = "Slack did not confirm the share. If it is not in the channel, press *Share in channel* again."


class Identity:
    """Who the bot is (auth.test), asked once at start-up so no request waits on it before its ack."""

    def __init__(self, client: AsyncWebClient, token: str):
        self.client, self.token = client, token
        self.result: AuthorizeResult | None = None

    async def load(self) -> AuthorizeResult:
        found = await self.client.auth_test()
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
    events: EventLog
    inflight: InFlight
    settings: Settings
    identity: Identity


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
                           EventLog(settings.state_db), InFlight(), settings, identity)
    register(runtime)
    unfurls.register(app, runtime)
    return runtime


def _value(action: dict[str, Any]) -> tuple[str, str]:
    raw = action.get("value") or (action.get("selected_option") or {}).get("value") or "{}"
    data = json.loads(raw)
    return str(data.get("s", "")), str(data.get("p", "intent:definition"))


def _is_help(text: str) -> bool:
    return tokens(text) in ([], ["help"], ["usage"])


def register(rt: SlackRuntime) -> None:
    """Bind every listener to this runtime (closures: Bolt fills arguments by name, not our objects)."""
    _register_events(rt)
    _register_command(rt)
    _register_actions(rt)


def _register_events(rt: SlackRuntime) -> None:
    app, delivery = rt.app, rt.delivery

    @app.middleware
    async def drop_duplicate_events(body: dict[str, Any], next: Any) -> BoltResponse | None:
        event_id = body.get("event_id")
        if body.get("type") == "event_callback" and event_id and not rt.events.claim(event_id):
            logger.info("duplicate delivery of %s dropped", event_id)
            return BoltResponse(status=200, body="")  # a 2xx, so Slack stops retrying
        return await next()

    async def reply_in_conversation(event: dict[str, Any], body: dict[str, Any], question: str, public: bool) -> None:
        """Mentions and DMs: answers in the thread (or DM); did-you-mean and unknown privately in channels."""
        channel, thread = event["channel"], event.get("thread_ts") or (event["ts"] if public else None)
        async with rt.inflight.track():
            answer = None if _is_help(question) else rt.library.engine.ask(question)
            if answer is None:
                text, blocks = help_blocks(COMMAND)
            else:
                text, blocks = answer_blocks(answer, private=not public, shareable=False)
            if public and answer is not None and not answer.answered:
                # Never name the asker or echo their words in a channel: this note is theirs alone.
                await delivery.ephemeral(channel, event["user"], text, blocks, thread_ts=event.get("thread_ts"))
            else:
                await delivery.post(channel, text, blocks, thread_ts=thread)
            rt.events.done(body["event_id"])

    @app.event("app_mention")
    async def handle_app_mention(event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("bot_id") or event.get("subtype"):
            return
        await reply_in_conversation(event, body, event.get("text", ""), public=True)

    @app.event("message")
    async def handle_message(event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext) -> None:
        # Edits, deletes, joins and every bot (ours included) are never answered: no loops, no echoes.
        if event.get("subtype") or event.get("bot_id") or not event.get("user"):
            return
        text = event.get("text", "")
        if event.get("channel_type") == "im":
            await reply_in_conversation(event, body, text, public=False)
        elif event.get("channel") in rt.settings.listen_channels and f"<@{context.bot_user_id}>" not in text:
            async with rt.inflight.track():
                answer = rt.library.engine.overheard(text)
                if answer is not None:
                    await delivery.post(event["channel"], *answer_blocks(answer),
                                        thread_ts=event.get("thread_ts") or event["ts"])
                rt.events.done(body["event_id"])

    @app.event("app_home_opened")
    async def handle_app_home_opened(event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("tab") == "home":
            async with rt.inflight.track():
                await delivery.publish_home(event["user"], home_view(rt.library.engine.glossary))
        rt.events.done(body["event_id"])


def _register_command(rt: SlackRuntime) -> None:
    @rt.app.command(COMMAND)
    async def handle_glossary_command(ack: AsyncAck, command: dict[str, Any]) -> None:
        # The reply rides on the ack itself: no Web API call, so a slow Slack API cannot delay it.
        text = command.get("text", "").strip()
        if _is_help(text):
            reply = help_blocks(command.get("command") or COMMAND)
        elif text.casefold() == "list":
            reply = list_blocks(rt.library.engine.glossary)
        else:
            reply = answer_blocks(rt.library.engine.ask(text), private=True)
        await ack(text=reply[0], blocks=reply[1], response_type="ephemeral")


def _register_actions(rt: SlackRuntime) -> None:
    app, delivery = rt.app, rt.delivery

    async def replace_with(body: dict[str, Any], answer: Answer) -> None:
        text, blocks = answer_blocks(answer, private=True, shareable=_can_share(body))
        await delivery.respond(body["response_url"], {"replace_original": True, "text": text, "blocks": blocks})

    @app.action(SHARE)
    async def handle_share(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        async with rt.inflight.track():
            slug, part = _value(action)
            text, blocks = answer_blocks(rt.library.engine.answer_part(slug, part), shared_by=body["user"]["id"])
            # chat.postMessage can be checked and so never posts twice; where the bot may not post
            # (a channel it has not joined, someone else's DM) Slack refuses and response_url takes over.
            channel = (body.get("channel") or {}).get("id")
            shared = await delivery.post(channel, text, blocks) if channel else "refused"
            if shared == "refused":
                shared = await delivery.respond(body["response_url"], {
                    "response_type": "in_channel", "replace_original": False, "text": text, "blocks": blocks},
                    new_message=True)
            if shared == "posted":
                await delivery.respond(body["response_url"], {"delete_original": True})
            elif shared == "unclear":  # keep the preview and its button: the person decides, nothing doubles
                preview = answer_blocks(rt.library.engine.answer_part(slug, part), private=True)
                await delivery.respond(body["response_url"], {"replace_original": True, "text": preview[0],
                                                              "blocks": [*preview[1], context(UNCLEAR_SHARE)]})

    @app.action(re.compile(f"^({EXAMPLE}|{PICK_PART}|{CHOOSE}_\\d+)$"))
    async def handle_part_choice(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        async with rt.inflight.track():
            slug, part = _value(action)
            await replace_with(body, rt.library.engine.answer_part(slug, part))

    @app.action(re.compile(f"^{LIST_PAGE}_(prev|next)$"))
    async def handle_list_page(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        text, blocks = list_blocks(rt.library.engine.glossary, int(action.get("value") or 0))
        await delivery.respond(body["response_url"], {"replace_original": True, "text": text, "blocks": blocks})

    @app.shortcut(EXPLAIN_SHORTCUT)
    async def handle_explain_shortcut(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        async with rt.inflight.track():
            engine: Engine = rt.library.engine
            text, blocks = explain_blocks(engine, engine.matcher.find_terms(body.get("message", {}).get("text", "")))
            await delivery.respond(body["response_url"], {"response_type": "ephemeral", "text": text, "blocks": blocks})

    @app.action(re.compile(f"^({HOME_LETTER}_.+|{HOME_PAGE}_(prev|next))$"))
    async def handle_home_navigation(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        letter, _, page = str(action.get("value", "")).partition(":")
        view = home_view(rt.library.engine.glossary, letter or None, int(page) if page.isdigit() else 0)
        await delivery.publish_home(body["user"]["id"], view)

    @app.error
    async def handle_errors(error: Exception, body: dict[str, Any]) -> None:
        logger.error("listener failed for a %s request", body.get("type") or "slash command",
                     exc_info=(type(error), error, error.__traceback__))
        if body.get("response_url"):
            await delivery.respond(body["response_url"], {"response_type": "ephemeral", "text": SORRY})


def _can_share(body: dict[str, Any]) -> bool:
    """Share works from private (ephemeral) previews; DM answers are already where they belong."""
    container = body.get("container") or {}
    return bool(container.get("is_ephemeral", True))
