"""The door in front of Bolt: nothing reaches a listener, a middleware or an error handler until
the request has passed Slack's signature check here.

Anyone who can reach POST /slack/events can send anything, so the order is: refuse compressed
bodies and oversized ones from the headers alone; refuse a missing, malformed or stale timestamp or
signature from the headers alone; read the body within a time limit; check the HMAC with
`hmac.compare_digest`; check the body is the shape Slack sends. Every refusal is a 4xx with one short
log line, never the body, and those lines are rate-limited so junk traffic cannot flood the log.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Callable
from urllib.parse import parse_qs

from aiohttp import web

logger = logging.getLogger("glossary_bot.gate")

TIMESTAMP_WINDOW_SECONDS = 5 * 60  # Slack's own rule
BODY_READ_SECONDS = 10.0  # a sender that trickles its body longer than this is cut off (408)
TIMESTAMP_RE = re.compile(r"^[0-9]{1,12}$")
SIGNATURE_RE = re.compile(r"^v0=[0-9a-f]{64}$")


class Refused(Exception):
    """A request turned away before Bolt sees it: an HTTP status and a short reason for the log."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


class LogLimiter:
    """At most `burst` lines per `period` seconds; what is held back is counted and reported with the
    next line let through, so an operator still sees the volume without the flood."""

    def __init__(self, burst: int = 10, period: float = 60.0, clock: Callable[[], float] = time.monotonic):
        self.burst, self.period, self.clock = burst, period, clock
        self._window_start = clock()
        self._sent = 0
        self.suppressed = 0

    def log(self, level: int, message: str, *args: object) -> None:
        now = self.clock()
        if now - self._window_start >= self.period:
            self._window_start, self._sent = now, 0
        if self._sent >= self.burst:
            self.suppressed += 1
            return
        self._sent += 1
        if self.suppressed:
            message += " (%d similar lines suppressed)"
            args = (*args, self.suppressed)
            self.suppressed = 0
        logger.log(level, message, *args)


class Gate:
    """Admits a request (returns its raw body) or raises Refused. One per server process."""

    def __init__(self, signing_secret: str, max_body_bytes: int, read_seconds: float = BODY_READ_SECONDS,
                 clock: Callable[[], float] = time.time):
        self.secret = signing_secret.encode()
        self.max_body_bytes, self.read_seconds, self.clock = max_body_bytes, read_seconds, clock
        self.refusals = LogLimiter()
        self.closing = asyncio.Event()

    def refuse(self, request: web.Request, refused: Refused) -> web.Response:
        self.refusals.log(logging.WARNING, "refused a request from %s: %s (HTTP %d)",
                          request.remote or "?", refused.reason, refused.status)
        response = web.json_response({"ok": False, "error": refused.reason}, status=refused.status)
        if refused.status in (408, 413, 415, 503) or not request.can_read_body or not request.content.at_eof():
            response.force_close()  # the rest of the body is never read: drop the connection with it
        return response

    def check_headers(self, request: web.Request) -> None:
        """Everything that can be refused before a byte of the body is read."""
        encoding = request.headers.get("Content-Encoding", "identity").strip().lower()
        if encoding not in ("", "identity"):
            raise Refused(415, f"Content-Encoding {encoding[:20]!r} not accepted (Slack does not compress)")
        if request.content_length is not None and request.content_length > self.max_body_bytes:
            raise Refused(413, f"body of {request.content_length} bytes is over {self.max_body_bytes}")
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        if not TIMESTAMP_RE.match(timestamp):
            raise Refused(401, "missing or malformed X-Slack-Request-Timestamp")
        if abs(self.clock() - int(timestamp)) > TIMESTAMP_WINDOW_SECONDS:
            raise Refused(401, "X-Slack-Request-Timestamp outside the 5-minute window")
        if not SIGNATURE_RE.match(signature):
            raise Refused(401, "missing or malformed X-Slack-Signature")

    async def read_body(self, request: web.Request) -> bytes:
        """The raw body within `read_seconds`, or Refused(408); shutdown aborts a read at once."""
        read = asyncio.ensure_future(request.read())
        closing = asyncio.ensure_future(self.closing.wait())
        try:
            done, _ = await asyncio.wait({read, closing}, timeout=self.read_seconds,
                                         return_when=asyncio.FIRST_COMPLETED)
        finally:
            closing.cancel()
        if read not in done:
            read.cancel()
            if self.closing.is_set():
                raise Refused(503, "shutting down while the body was still arriving")
            raise Refused(408, f"body not received within {self.read_seconds:g} s")
        try:
            return read.result()
        except web.HTTPRequestEntityTooLarge:
            raise Refused(413, f"body over {self.max_body_bytes} bytes") from None

    def verify(self, request: web.Request, body: bytes) -> None:
        timestamp = request.headers["X-Slack-Request-Timestamp"]
        expected = "v0=" + hmac.new(self.secret, b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected.encode(), request.headers["X-Slack-Signature"].encode()):
            raise Refused(401, "signature does not match")

    @staticmethod
    def check_shape(request: web.Request, body: bytes) -> None:
        """Signed, so from Slack; still, refuse anything not shaped like what Slack sends (400), rather
        than let a parser deep in Bolt fail with a 500."""
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise Refused(400, "body is not UTF-8") from None
        kind = request.content_type
        if kind == "application/json":
            data = _json_object(text, "JSON body")
        elif kind == "application/x-www-form-urlencoded":
            form = parse_qs(text, keep_blank_values=True)
            data = _json_object(form["payload"][0], "payload") if "payload" in form else {}
        else:
            raise Refused(415, f"Content-Type {kind[:40]!r} is not one Slack sends")
        if "view" in data and not (isinstance(data["view"], dict) and isinstance(data["view"].get("type"), str)):
            raise Refused(400, "view is not a Slack view")
        for key in ("event", "user", "team", "channel", "container"):
            if key in data and not isinstance(data[key], dict | type(None)):
                raise Refused(400, f"{key} is not an object")
        if "actions" in data and not (isinstance(data["actions"], list)
                                      and all(isinstance(a, dict) for a in data["actions"])):
            raise Refused(400, "actions is not a list of objects")

    async def admit(self, request: web.Request) -> bytes:
        self.check_headers(request)
        body = await self.read_body(request)
        self.verify(request, body)
        self.check_shape(request, body)
        return body


def _json_object(text: str, what: str) -> dict[str, object]:
    try:
        data = json.loads(text)
    except ValueError:
        raise Refused(400, f"{what} is not JSON") from None
    if not isinstance(data, dict):
        raise Refused(400, f"{what} is not a JSON object")
    return data
