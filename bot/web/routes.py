"""The glossary pages on aiohttp: GET /glossary/ (index), /glossary/<slug> (a term), /glossary/static/<file>.

Added to the Slack app's server in HTTP mode; run on their own port (`--web-port`) beside Socket
Mode, `chat` and `ask`. Pages are rendered once per glossary and kept until the glossary changes."""

from __future__ import annotations

import asyncio
import gzip
import threading
from collections.abc import Callable

from aiohttp import web

from bot.content import Glossary
from bot.web.pages import ASSETS, CSP, asset, find, index_page, not_found_page, term_page

HEADERS = {
    "Content-Security-Policy": f"{CSP}; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-cache",  # content reloads while the bot runs; browsers check each time
}
HTML = "text/html; charset=utf-8"


class PageCache:
    """Rendered pages of one glossary; a new glossary (a reload) starts a new cache."""

    def __init__(self, glossary: Callable[[], Glossary]):
        self.glossary = glossary
        self._for: Glossary | None = None
        self._pages: dict[str, str] = {}
        self._packed: dict[str, bytes] = {}

    def page(self, slug: str) -> str | None:
        glossary = self.glossary()
        if glossary is not self._for:
            self._for, self._pages, self._packed = glossary, {}, {}
        if slug not in self._pages:
            term = find(glossary, slug) if slug else None
            if slug and term is None:
                return None
            self._pages[slug] = term_page(term) if term else index_page(glossary)
        return self._pages[slug]

    def packed(self, slug: str) -> bytes | None:
        """The page gzipped once, not per request: the index of a large glossary costs tens of ms to pack."""
        page = self.page(slug)
        if page is None:
            return None
        if slug not in self._packed:
            self._packed[slug] = gzip.compress(page.encode(), compresslevel=6)
        return self._packed[slug]


def _cached(request: web.Request, pages: PageCache, slug: str) -> web.Response | None:
    page = pages.page(slug)
    if page is None:
        return None
    headers = {**HEADERS, "Content-Type": HTML, "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        return web.Response(body=pages.packed(slug), headers={**headers, "Content-Encoding": "gzip"})
    return web.Response(body=page.encode(), headers=headers)


def _response(text: str | bytes, content_type: str, status: int = 200) -> web.Response:
    body = text.encode() if isinstance(text, str) else text
    response = web.Response(body=body, status=status, headers={**HEADERS, "Content-Type": content_type})
    response.enable_compression()  # the index of a large glossary shrinks about tenfold
    return response


def add_glossary_routes(app: web.Application, glossary: Callable[[], Glossary]) -> None:
    """Serve the glossary returned by `glossary()` (called per request, so reloads show at once)."""
    pages = PageCache(glossary)
    assets = {name: asset(name) for name in ASSETS}

    async def index(request: web.Request) -> web.Response:
        return _cached(request, pages, "") or _response(not_found_page(), HTML, 404)

    async def term(request: web.Request) -> web.Response:
        slug = request.match_info["slug"]
        return _cached(request, pages, slug) or _response(not_found_page(slug), HTML, 404)

    async def static(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in assets:
            return _response(not_found_page(), HTML, 404)
        return _response(assets[name], ASSETS[name])

    async def to_index(_: web.Request) -> web.Response:
        raise web.HTTPPermanentRedirect("/glossary/")

    app.router.add_get("/glossary", to_index)
    app.router.add_get("/glossary/", index)
    app.router.add_get("/glossary/static/{name}", static)
    app.router.add_get(r"/glossary/{slug:[^/]+}", term)
    app.router.add_get(r"/glossary/{slug:[^/]+}/", term)


async def start_pages(glossary: Callable[[], Glossary], port: int, host: str = "127.0.0.1") -> web.AppRunner:
    """The pages alone on their own port (beside Socket Mode); returns the runner to clean up."""
    app = web.Application()
    add_glossary_routes(app, glossary)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


def serve_pages_in_background(glossary: Callable[[], Glossary], port: int) -> int:
    """For `chat` and `ask`: the pages on 127.0.0.1:port in a daemon thread; returns the port bound
    (useful with port 0). The thread ends with the process."""
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()
    runner = asyncio.run_coroutine_threadsafe(start_pages(glossary, port), loop).result(10)
    site = next(iter(runner.sites))
    return int(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
