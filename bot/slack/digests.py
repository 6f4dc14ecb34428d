"""The weekly digest: the knowledge loop's report posted to the digest channel and to each term
owner, once a week across every replica (the state store decides which replica posts)."""

from __future__ import annotations

import asyncio
import logging
import time

from bot.digest import digest_blocks, owner_digests, period_of
from bot.report import Report, build_report
from bot.slack.replies import today
from bot.slack.runtime import SlackRuntime
from bot.store import StoreUnavailable

logger = logging.getLogger("glossary_bot.loop")

DIGEST_CHECK_SECONDS = 3600.0  # how often a replica asks whether this week's digest is still due
DIGEST_DAYS = 7


async def current_report(rt: SlackRuntime, days: int = DIGEST_DAYS) -> Report:
    rows = await rt.events.rows(time.time() - days * 86400)
    return build_report(rows, rt.library.engine.glossary, today(), rt.settings.loop.stale_days)


async def send_digest(rt: SlackRuntime, period: str) -> bool:
    """Post this period's digest unless another replica already has: the store decides, once."""
    channel = rt.settings.loop.digest_channel
    if not channel or not await rt.events.claim_digest(period):
        return False
    report = await current_report(rt)
    await rt.delivery.post(channel, *digest_blocks(report))
    for owner, (text, blocks) in owner_digests(report, rt.library.engine.glossary).items():
        await rt.delivery.post(owner, text, blocks)
    logger.info("posted the weekly digest for %s", period)
    return True


async def run_digests(rt: SlackRuntime) -> None:
    """The background task: once an hour, post this week's digest if no replica has yet."""
    while True:
        try:
            await send_digest(rt, period_of(today()))
        except StoreUnavailable as exc:
            logger.warning("weekly digest not posted now (%s); will try again", exc)
        except Exception:  # the task must outlive any surprise; the traceback goes to the log
            logger.exception("weekly digest failed; will try again")
        await asyncio.sleep(DIGEST_CHECK_SECONDS)
