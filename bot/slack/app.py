"""The Slack door: a Bolt AsyncApp whose listeners ack, make one call into the engine, and reply."""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.answer import Answer, Engine
from bot.feedback import Origin
from bot.live import Library
from bot.normalise import strip_markup, words
from bot.render import answer_metadata, context
from bot.settings import Settings
from bot.slack import agent
from bot.slack.dedupe import interaction_key
from bot.slack.delivery import Delivery, InFlight, Pacer, safe_retry_handlers
from bot.slack.ids import (
    CHOOSE,
    COMMAND,
    EXAMPLE,
    EXPLAIN_SHORTCUT,
    HOME_LETTER,
    HOME_PAGE,
    LIST_PAGE,
    PICK_PART,
    SHARE,
)
from bot.slack.listeners import unfurls, workflow
from bot.slack.loop import record, register_loop, reply_blocks, withdraw
from bot.store import Store, StoreUnavailable, make_store
from bot.views import explain_blocks, help_blocks, home_view, list_blocks

logger = logging.getLogger("glossary_bot.slack")

SORRY = "Sorry, I could not answer that just now. Please try again in a moment."
UNCLEAR_SHARE = "Slack did not confirm the share. If it is not in the channel, press *Share in channel* again."
WENT_WRONG = "Sorry, something went wrong on my side. Please try again in a moment."
GONE_FROM_GLOSSARY = ("That term is no longer in the glossary (it was removed or renamed since this answer was "
                      "shown), so nothing was shared. Ask `/glossary` again for the current answer.")


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
    events: Store  # the state store (event ids, clicks, the knowledge loop), chosen by GLOSSARY_STATE_URL
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
                           make_store(settings.state_url), InFlight(), settings, identity)
    register(runtime)
    unfurls.register(app, runtime)
    return runtime


def _value(action: dict[str, Any]) -> tuple[str, str]:
    raw = action.get("value") or (action.get("selected_option") or {}).get("value") or "{}"
    data = json.loads(raw)
    return str(data.get("s", "")), str(data.get("p", "intent:definition"))


def _is_help(text: str) -> bool:
    return words(strip_markup(text)) in ([], ["help"], ["usage"])


def register(rt: SlackRuntime) -> None:
    """Bind every listener to this runtime (closures: Bolt fills arguments by name, not our objects)."""
    _register_events(rt)
    _register_home(rt)
    workflow.register(rt)
    _register_command(rt)
    _register_actions(rt)
    register_loop(rt)  # feedback, ask the owner, suggest: before the fallbacks, which take anything left
    _register_fallbacks(rt)


Listener = Callable[..., Awaitable[None]]


def guarded(rt: SlackRuntime) -> Callable[[Listener], Listener]:
    """Run a listener so that no exception reaches Bolt. (Bolt answers a listener that fails after
    its ack by forgetting the ack: it waits 3 s and answers 404.) The failure is logged and the person
    gets a short private "something went wrong"; the request is acked (200) either way.
    `functools.wraps` keeps the listener's parameter names, which is how Bolt fills them."""
    def wrap(listener: Listener) -> Listener:
        @functools.wraps(listener)
        async def run(**kwargs: Any) -> None:
            try:
                await listener(**kwargs)
            except Exception as exc:
                body = kwargs.get("body") or {}
                logger.error("%s failed for a %s request: %s: %.200s", listener.__name__,
                             body.get("type") or "slash command", type(exc).__name__, exc,
                             exc_info=(type(exc), exc, exc.__traceback__))
                await went_wrong(rt, body, kwargs.get("ack"))
        return run
    return wrap


async def went_wrong(rt: SlackRuntime, body: dict[str, Any], ack: AsyncAck | None) -> None:
    """A short private note that something failed; never raises. Only ever called for requests that
    passed verification (the HTTP gate, or Socket Mode), so response_url is Slack's."""
    try:
        if ack is not None and not getattr(ack, "response", None):  # not acked yet: the note rides on the ack
            if body.get("type") == "view_submission":
                await ack(response_action="update", view=sorry_view())
                return
            if body.get("command"):
                await ack(text=WENT_WRONG, response_type="ephemeral")
                return
            await ack()
        if body.get("response_url"):
            await rt.delivery.respond(body["response_url"], {"response_type": "ephemeral",
                                                             "replace_original": False, "text": WENT_WRONG})
            return
        event = body.get("event") or {}
        if event.get("channel") and event.get("user"):
            await rt.delivery.ephemeral(event["channel"], event["user"], WENT_WRONG, [],
                                        thread_ts=event.get("thread_ts"))
    except Exception as exc:  # the note is a courtesy; its failure must not become Bolt's problem
        logger.warning("could not tell the person something went wrong: %s", type(exc).__name__)


def sorry_view() -> dict[str, Any]:
    return {"type": "modal", "title": {"type": "plain_text", "text": "Glossary"},
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": WENT_WRONG}}]}


def _register_fallbacks(rt: SlackRuntime) -> None:
    """Requests no listener claims (a modal or button from another version of the app): acked, with
    a private note, instead of Bolt's 404 (which Slack shows as an error)."""
    app = rt.app

    @app.view(re.compile(".*"))
    @guarded(rt)
    async def handle_unknown_view(ack: AsyncAck, body: dict[str, Any]) -> None:
        logger.warning("no handler for view %.60r", (body.get("view") or {}).get("callback_id"))
        await ack(response_action="update", view=sorry_view())

    @app.action(re.compile(".*"))
    @guarded(rt)
    async def handle_unknown_action(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        logger.warning("no handler for action %.60r", action.get("action_id"))
        await went_wrong(rt, body, None)


def _register_events(rt: SlackRuntime) -> None:
    app, delivery = rt.app, rt.delivery

    @app.middleware
    async def drop_duplicates(body: dict[str, Any],
                              next: Callable[[], Awaitable[BoltResponse | None]]) -> BoltResponse | None:
        """Events by event_id (Slack's retries); clicks by what makes a click unique (a replayed
        signed request). The store is asked off the event loop, within a short budget."""
        event_id = body.get("event_id")
        key = event_id if body.get("type") == "event_callback" and event_id else interaction_key(body)
        if key is None:
            return await next()
        try:
            first = await (rt.events.aclaim(key) if key == event_id else rt.events.aclaim_once(key))
        except StoreUnavailable as exc:
            # Unknown whether this is a repeat: not answering now is safe. Slack retries an event
            # (a non-2xx asks it to); a click shows the person an error and can be pressed again.
            logger.warning("state store unavailable (%s); %s not handled now", exc, body.get("type"))
            return BoltResponse(status=503, body="")
        if not first:
            logger.info("repeated delivery of %s %s dropped", body.get("type"), key)
            return BoltResponse(status=200, body="")  # a 2xx, so Slack stops retrying
        return await next()

    async def reply_in_conversation(event: dict[str, Any], body: dict[str, Any], question: str, public: bool) -> None:
        """Mentions and DMs: answers in the thread of the question (a DM is the agent container, where each
        question is a thread, titled from its first question); did-you-mean and unknown privately in channels."""
        channel, thread = event["channel"], event.get("thread_ts") or event["ts"]
        async with rt.inflight.track():
            answer = None if _is_help(question) else rt.library.engine.ask(question)
            if answer is None:
                text, blocks = help_blocks(COMMAND)
            else:
                text, blocks = reply_blocks(rt, answer, Origin(channel, event.get("ts")), private=not public,
                                            shareable=False)
            if public and answer is not None and not answer.answered:
                # Never name the asker or echo their words in a channel: this note is theirs alone.
                await delivery.ephemeral(channel, event["user"], text, blocks, thread_ts=event.get("thread_ts"))
            else:
                async with contextlib.nullcontext() if public else agent.status_while_slow(delivery, channel, thread):
                    await delivery.post(channel, text, blocks, thread_ts=thread, about=answer_metadata(answer))
            if not public and not event.get("thread_ts"):
                await agent.title_thread(delivery, channel, thread, question)
            await rt.events.adone(body["event_id"])
            if answer is not None:
                await record(rt, answer, "channel" if public else "dm")

    @app.event("app_mention")
    @guarded(rt)
    async def handle_app_mention(event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("bot_id") or event.get("subtype"):
            return
        if event.get("channel_type") == "im" or str(event.get("channel", "")).startswith("D"):
            # A mention in a DM also arrives as message.im, which answers it: answer once.
            await rt.events.adone(body["event_id"])
            return
        await reply_in_conversation(event, body, event.get("text", ""), public=True)

    @app.event("message")
    @guarded(rt)
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
                    await delivery.post(event["channel"], *reply_blocks(rt, answer, Origin(event["channel"],
                                                                                         event["ts"])),
                                        thread_ts=event.get("thread_ts") or event["ts"], about=answer_metadata(answer))
                    await record(rt, answer, "channel")
                await rt.events.adone(body["event_id"])


def _register_home(rt: SlackRuntime) -> None:
    """The Home tab's index, and the Messages tab (the agent container)'s suggested prompts."""
    delivery = rt.delivery

    @rt.app.event("app_home_opened")
    @guarded(rt)
    async def handle_app_home_opened(event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("tab") == "home":
            async with rt.inflight.track():
                await delivery.publish_home(event["user"], home_view(rt.library.engine.glossary))
        elif event.get("tab") == "messages" and event.get("channel"):
            async with rt.inflight.track():
                await agent.open_messages_tab(delivery, event["channel"], rt.library.engine.glossary)
        await rt.events.adone(body["event_id"])


def _register_command(rt: SlackRuntime) -> None:
    @rt.app.command(COMMAND)
    @guarded(rt)
    async def handle_glossary_command(ack: AsyncAck, command: dict[str, Any], body: dict[str, Any]) -> None:
        # The reply rides on the ack itself: no Web API call, so a slow Slack API cannot delay it.
        text = command.get("text", "").strip()
        answer = None
        if _is_help(text):
            reply = help_blocks(command.get("command") or COMMAND)
        elif text.casefold() == "list":
            reply = list_blocks(rt.library.engine.glossary)
        else:
            answer = rt.library.engine.ask(text)
            reply = reply_blocks(rt, answer, private=True)
        await ack(text=reply[0], blocks=reply[1], response_type="ephemeral")
        if answer is not None:  # counted after the ack: the store never delays the reply
            await record(rt, answer, "command")


def _register_actions(rt: SlackRuntime) -> None:
    app, delivery = rt.app, rt.delivery

    async def replace_with(body: dict[str, Any], answer: Answer) -> None:
        text, blocks = reply_blocks(rt, answer, private=True, shareable=_can_share(body))
        await delivery.respond(body["response_url"], {"replace_original": True, "text": text, "blocks": blocks})

    @app.action(SHARE)
    @guarded(rt)
    async def handle_share(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        async with rt.inflight.track():
            slug, part = _value(action)
            answer = rt.library.engine.answer_part(slug, part)
            if not answer.answered:  # removed or renamed since the preview: say so privately, keep the preview
                await delivery.respond(body["response_url"], {"response_type": "ephemeral",
                                                              "replace_original": False, "text": GONE_FROM_GLOSSARY})
                return
            text, blocks = reply_blocks(rt, answer, shared_by=body["user"]["id"])
            # chat.postMessage can be checked and so never posts twice; where the bot may not post
            # (a channel it has not joined, someone else's DM) Slack refuses and response_url takes over.
            channel = (body.get("channel") or {}).get("id")
            shared = await delivery.post(channel, text, blocks, about=answer_metadata(answer)) if channel else "refused"
            if shared == "refused":
                shared = await delivery.respond(body["response_url"], {
                    "response_type": "in_channel", "replace_original": False, "text": text, "blocks": blocks},
                    new_message=True)
            if shared == "posted":
                await delivery.respond(body["response_url"], {"delete_original": True})
            elif shared == "unclear":  # keep the preview and its button: the person decides, nothing doubles
                preview = reply_blocks(rt, rt.library.engine.answer_part(slug, part), private=True)
                await delivery.respond(body["response_url"], {"replace_original": True, "text": preview[0],
                                                              "blocks": [*preview[1], context(UNCLEAR_SHARE)]})

    @app.action(re.compile(f"^({EXAMPLE}|{PICK_PART}|{CHOOSE}_\\d+)$"))
    @guarded(rt)
    async def handle_part_choice(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        async with rt.inflight.track():
            slug, part = _value(action)
            await replace_with(body, rt.library.engine.answer_part(slug, part))
            picked = json.loads(action.get("value") or "{}").get("u") if action.get("value") else None
            if picked:  # a did-you-mean was picked: that question found its term after all
                await withdraw(rt, str(picked))

    @app.action(re.compile(f"^{LIST_PAGE}_(prev|next)$"))
    @guarded(rt)
    async def handle_list_page(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        text, blocks = list_blocks(rt.library.engine.glossary, int(action.get("value") or 0))
        await delivery.respond(body["response_url"], {"replace_original": True, "text": text, "blocks": blocks})

    @app.shortcut(EXPLAIN_SHORTCUT)
    @guarded(rt)
    async def handle_explain_shortcut(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        async with rt.inflight.track():
            engine: Engine = rt.library.engine
            text, blocks = explain_blocks(engine, engine.matcher.find_terms(body.get("message", {}).get("text", "")))
            await delivery.respond(body["response_url"], {"response_type": "ephemeral", "text": text, "blocks": blocks})

    @app.action(re.compile(f"^({HOME_LETTER}_.+|{HOME_PAGE}_(prev|next))$"))
    @guarded(rt)
    async def handle_home_navigation(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        letter, _, page = str(action.get("value", "")).partition(":")
        view = home_view(rt.library.engine.glossary, letter or None, int(page) if page.isdigit() else 0)
        await delivery.publish_home(body["user"]["id"], view)

    @app.error
    async def handle_errors(error: Exception, body: dict[str, Any]) -> None:
        # Only failures outside listeners (which are guarded) get here, and only for requests that
        # passed verification: the HTTP gate admits nothing unsigned, Socket Mode is Slack's own.
        logger.error("request failed for a %s request: %s: %.200s", body.get("type") or "slash command",
                     type(error).__name__, error)
        if body.get("response_url"):
            await delivery.respond(body["response_url"], {"response_type": "ephemeral", "text": SORRY})


def _can_share(body: dict[str, Any]) -> bool:
    """Share works from private (ephemeral) previews; DM answers are already where they belong."""
    container = body.get("container") or {}
    return bool(container.get("is_ephemeral", True))
