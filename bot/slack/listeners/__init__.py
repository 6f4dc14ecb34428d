"""Bolt listeners, one module per Slack surface, each exposing `register(app, rt)`: small module-level
`handle_<slack thing>` functions bound to the runtime with functools.partial. Each acks, makes one call
into the engine, and one call out (a reply, or a workflow in `bot.slack.workflows`)."""

from __future__ import annotations

import functools

from slack_bolt.async_app import AsyncApp

from bot.slack.dedupe import drop_duplicates
from bot.slack.listeners import actions, commands, events, fallbacks, loop, shortcuts, unfurls, views, workflow
from bot.slack.runtime import SlackRuntime


def register(app: AsyncApp, rt: SlackRuntime) -> None:
    """Bolt runs the first listener that matches, so the order matters: the fallbacks, which take any
    action or view, come after every listener with an id of its own."""
    app.middleware(functools.partial(drop_duplicates, rt))
    events.register(app, rt)
    workflow.register(app, rt)
    commands.register(app, rt)
    actions.register(app, rt)
    shortcuts.register(app, rt)
    loop.register(app, rt)  # feedback, ask the owner, suggest: before the fallbacks, which take anything left
    views.register(app, rt)
    unfurls.register(app, rt)
    fallbacks.register(app, rt)
