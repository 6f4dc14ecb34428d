"""The agent container: the app's Messages tab under Slack's agent messaging experience (`agent_view`).

Opening the tab pins up to four suggested prompts drawn from the glossary; each question is a thread,
titled from its first question and answered in that thread by the same engine and controls as a DM.
A short status shows only when an answer is slow. The calls go through `Delivery`: each sets a state
(prompts, a title, a status), so repeating one after a server error is harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator

from bot.content import Glossary
from bot.render import cut
from bot.slack.delivery import Delivery

MAX_PROMPTS = 4  # Slack's limit for assistant.threads.setSuggestedPrompts
PROMPTS_TITLE = "Ask about a term"
PROMPT_CHARS = 75
TITLE_CHARS = 80
# A status is for waits a person would notice: a reply that lands within a second needs none (and a
# status set then cleared would only flicker).
STATUS_AFTER_SECONDS = 1.0
LOOKING_IT_UP = "is looking it up…"
MARKUP_RE = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")  # <@U1>, <#C1|general>, <https://x|label>


def suggested_prompts(glossary: Glossary, limit: int = MAX_PROMPTS) -> list[dict[str, str]]:
    """"What is X?" for up to `limit` terms spread evenly across the glossary A–Z (distinct titles,
    since two terms may share one: that question would only get a did-you-mean)."""
    titles = list(dict.fromkeys(h.title for h in glossary.heads).keys())
    if len(titles) > limit:
        titles = [titles[(i * len(titles)) // limit] for i in range(limit)]
    return [{"title": cut(f"What is {title}?", PROMPT_CHARS), "message": f"What is {title}?"} for title in titles]


def thread_title(question: str) -> str:
    """A thread's title from its first question, on one line: Slack markup dropped (a link keeps its
    label), so no raw <@U1> shows in the title."""
    text = " ".join(MARKUP_RE.sub(lambda m: m.group(2) if m.group(2) and m.group(1).startswith("http") else " ",
                                  question).split())
    return cut(text, TITLE_CHARS) or "Glossary question"


async def open_messages_tab(delivery: Delivery, channel: str, glossary: Glossary) -> bool:
    """Pin the prompts to the top of the Messages tab. Under the agent experience the call is made
    without thread_ts: Slack ignores one made with it."""
    prompts = suggested_prompts(glossary)
    if not prompts:
        return False
    return await delivery.set_state("assistant.threads.setSuggestedPrompts",
                                    delivery.client.assistant_threads_setSuggestedPrompts,
                                    channel_id=channel, title=PROMPTS_TITLE, prompts=prompts)


async def title_thread(delivery: Delivery, channel: str, thread_ts: str, question: str) -> bool:
    return await delivery.set_state("assistant.threads.setTitle", delivery.client.assistant_threads_setTitle,
                                    channel_id=channel, thread_ts=thread_ts, title=thread_title(question))


@contextlib.asynccontextmanager
async def status_while_slow(delivery: Delivery, channel: str, thread_ts: str,
                            after: float = STATUS_AFTER_SECONDS) -> AsyncIterator[None]:
    """Show "is looking it up…" in the thread if the body takes longer than `after` seconds. Slack
    clears a status when the app replies; it is cleared here too, since the status call can land after
    the reply, and a reply can fail."""
    async def show() -> None:
        await asyncio.sleep(after)
        shown.set()
        await _status(delivery, channel, thread_ts, LOOKING_IT_UP)

    shown = asyncio.Event()
    task = asyncio.create_task(show())
    try:
        yield
    finally:
        if shown.is_set():
            await task
            await _status(delivery, channel, thread_ts, "")
        else:
            task.cancel()


async def _status(delivery: Delivery, channel: str, thread_ts: str, status: str) -> bool:
    return await delivery.set_state("assistant.threads.setStatus", delivery.client.assistant_threads_setStatus,
                                    channel_id=channel, thread_ts=thread_ts, status=status)
