"""The HTTP baseline: a bare Bolt AsyncApp whose /glossary handler acks a fixed reply, served on the
same aiohttp stack as glossary-bot (python -m tests.bench.bare_app PORT)."""

from __future__ import annotations

import sys

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult

from tests.slack_harness import BOT_TOKEN, SECRET


async def authorize() -> AuthorizeResult:  # no network per request, as in glossary-bot
    return AuthorizeResult(enterprise_id=None, team_id="T1", bot_user_id="UBOT", bot_id="BBOT", bot_token=BOT_TOKEN)


def main() -> None:
    app = AsyncApp(signing_secret=SECRET, authorize=authorize)

    @app.command("/glossary")
    async def handle(ack) -> None:
        await ack(text="Segment: Customer data platform", response_type="ephemeral")

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    web_app = web.Application()
    web_app.router.add_post("/slack/events", events)
    web.run_app(web_app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)


if __name__ == "__main__":
    main()
