"""Link previews: a pasted glossary page link unfurls into the term's definition and a Worked example
button (Slack's `link_shared` event, answered with `chat.unfurl`)."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.answer import EXAMPLE_ANCHOR
from bot.content import Slug, Term
from bot.render import cut, escape
from bot.slack.ids import OPEN_PAGE
from bot.slack.runtime import SlackRuntime
from bot.web.links import slug_in

DEFINITION_CHARS = 600


def unfurl_blocks(term: Term, url: str) -> list[dict[str, Any]]:
    """The preview: title linked to its page, the definition, the field, and a Worked example button."""
    page = re.split(r"[#?|]", url, maxsplit=1)[0]  # the slug matched; query and fragment are not echoed
    details = " · ".join(escape(x) for x in dict.fromkeys((term.field, term.category)) if x)
    text = f"*<{escape(page)}|{escape(term.title)}>*\n{escape(cut(term.definition, DEFINITION_CHARS))}"
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    if details:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": details}]})
    blocks.append({"type": "actions", "elements": [{
        "type": "button", "action_id": OPEN_PAGE, "text": {"type": "plain_text", "text": "Worked example"},
        "url": page + EXAMPLE_ANCHOR}]})
    return blocks


def unfurls_for(links: list[dict[str, Any]], terms: Mapping[Slug, Term], base_url: str | None) -> dict[str, Any]:
    """Previews keyed by URL, for the links that name a glossary term; other links are left alone."""
    found = {}
    for link in links:
        url = str(link.get("url", ""))
        slug = slug_in(url, base_url)
        term = terms.get(Slug(slug)) if slug else None
        if term is not None:
            found[url] = {"blocks": unfurl_blocks(term, url)}
    return found


def register(app: AsyncApp, rt: SlackRuntime) -> None:
    """Listen for `link_shared` and answer each glossary link with its preview."""
    app.event("link_shared")(functools.partial(handle_link_shared, rt))
    app.action(OPEN_PAGE)(handle_open_page)


async def handle_link_shared(rt: SlackRuntime, event: dict[str, Any], body: dict[str, Any]) -> None:
    async with rt.inflight.track():
        unfurls = unfurls_for(event.get("links") or [], rt.library.engine.glossary.by_slug, rt.settings.base_url)
        if unfurls:
            await rt.delivery.unfurl(event, unfurls)
        await rt.events.adone(body["event_id"])


async def handle_open_page(ack: AsyncAck) -> None:
    await ack()
