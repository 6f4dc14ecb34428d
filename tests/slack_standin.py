"""A local stand-in for Slack's Web API and response_url endpoints, on 127.0.0.1.

It records every call, keeps what a real workspace would keep (posted messages, with metadata, so
conversations.history can find them), and fails on purpose: 429 with Retry-After, 500 before or
after doing the work, slow answers, dropped connections.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Fault:
    status: int = 200  # 429 or 5xx to fail; 200 for a plain delay
    delay: float = 0.0
    processed: bool = False  # a 5xx after the work was done: the ambiguous case
    retry_after: int = 1
    drop: bool = False  # close the connection without answering


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)


class SlackStandIn:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.posts: list[dict[str, Any]] = []  # chat.postMessage calls that took effect
        self.ephemerals: list[dict[str, Any]] = []
        self.responses: list[dict[str, Any]] = []  # response_url posts that took effect
        self.views: list[dict[str, Any]] = []
        # The agent container and Workflow Builder steps: what each call set, as a workspace would keep it.
        self.prompts: list[dict[str, Any]] = []  # assistant.threads.setSuggestedPrompts
        self.titles: list[dict[str, Any]] = []  # assistant.threads.setTitle
        self.statuses: list[dict[str, Any]] = []  # assistant.threads.setStatus
        self.completions: list[dict[str, Any]] = []  # functions.completeSuccess / completeError, with "_method"
        self.delay = 0.0  # every answer waits this long (a slow Slack)
        self.faults: dict[str, list[Fault]] = defaultdict(list)
        self.random_faults: dict[str, Any] = {}  # method -> callable() returning Fault | None
        self.faults_injected = 0
        self.not_member = "CNOTMEMBER"  # channels named so answer chat.postMessage with not_in_channel
        self.auth_error: str | None = None  # auth.test answers this error (a token Slack rejects)
        self.socket_url = "ws://127.0.0.1:9/"  # apps.connections.open's address: nothing listens there
        self._finished_functions: set[str] = set()
        self._lock = threading.Lock()
        self._ts = 1_700_000_000.0
        self.server = _QuietServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    # ---- lifecycle and addresses ----------------------------------------------------------------

    def __enter__(self) -> SlackStandIn:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/respond/{name}"

    # ---- what tests ask ---------------------------------------------------------------------------

    def fail(self, method: str, *faults: Fault) -> None:
        with self._lock:
            self.faults[method].extend(faults)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, condition: Any, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.01)
        raise AssertionError(f"timed out after {timeout}s; posts={self.posts} responses={self.responses} "
                             f"ephemerals={self.ephemerals}")

    # ---- the server ------------------------------------------------------------------------------

    def _next_fault(self, method: str) -> Fault | None:
        with self._lock:
            if self.faults[method]:
                self.faults_injected += 1
                return self.faults[method].pop(0)
            maker = self.random_faults.get(method) or self.random_faults.get("*")
        fault = maker() if maker else None
        if fault is not None:
            with self._lock:
                self.faults_injected += 1
        return fault

    def _do(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            if method == "auth.test" and self.auth_error:
                return {"ok": False, "error": self.auth_error}
            if method == "apps.connections.open":
                return {"ok": True, "url": self.socket_url}
            if method == "auth.test":
                return {"ok": True, "url": "https://t.slack.example/", "team": "Team", "user": "glossary",
                        "team_id": "T1", "user_id": "UBOT", "bot_id": "BBOT"}
            if method == "chat.postMessage" and str(params.get("channel")).startswith(self.not_member):
                return {"ok": False, "error": "not_in_channel"}
            if method == "chat.postMessage":
                self._ts += 1
                message = {**params, "ts": f"{self._ts:.6f}"}
                self.posts.append(message)
                return {"ok": True, "channel": params.get("channel"), "ts": message["ts"]}
            if method == "chat.postEphemeral":
                self.ephemerals.append(params)
                return {"ok": True, "message_ts": "1.0"}
            if method == "chat.getPermalink":
                ts = str(params.get("message_ts", "")).replace(".", "")
                return {"ok": True, "permalink": f"https://t.slack.example/archives/{params.get('channel')}/p{ts}"}
            if method == "views.publish":
                self.views.append(params)
                return {"ok": True}
            if method in AGENT_AND_FUNCTION_METHODS:
                return self._agent_or_function(method, params)
            if method in ("conversations.history", "conversations.replies"):
                found = [m for m in self.posts if m.get("channel") == params.get("channel") and (
                    method == "conversations.history" or m.get("thread_ts") == params.get("ts"))]
                return {"ok": True, "messages": found}
            if method.startswith("respond/"):
                self.responses.append({**params, "_url": method})
                return {"ok": True}
        return {"ok": True}

    def _agent_or_function(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """Slack's checks for these methods' arguments (invalid_arguments when one is missing or out of
        bounds), then the call is kept. Caller holds the lock."""
        required, kept = AGENT_AND_FUNCTION_METHODS[method]
        if any(params.get(name) is None for name in required):
            return {"ok": False, "error": "invalid_arguments"}
        if method == "assistant.threads.setSuggestedPrompts":
            prompts = params.get("prompts") or []
            if not 1 <= len(prompts) <= 4 or not all(p.get("title") and p.get("message") for p in prompts):
                return {"ok": False, "error": "invalid_arguments"}
        if method.startswith("functions.") and params["function_execution_id"] in self._finished_functions:
            return {"ok": False, "error": "function_execution_not_found"}  # a step finishes once
        if method.startswith("functions."):
            self._finished_functions.add(params["function_execution_id"])
        getattr(self, kept).append({**params, "_method": method})
        return {"ok": True}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: object) -> None:
                pass

            def do_GET(self) -> None:  # slack-sdk reads conversations.* with GET and a query string
                self.do_POST()

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                path, _, query = self.path.partition("?")
                method = path.removeprefix("/api/").removeprefix("/")
                params = {**_parse(query, ""), **_parse(raw, self.headers.get("Content-Type", ""))}
                with standin._lock:
                    standin.calls.append(Call(method, params, dict(self.headers)))
                key = "respond" if method.startswith("respond/") else method
                fault = standin._next_fault(key)
                time.sleep(standin.delay + (fault.delay if fault else 0))
                if fault and fault.drop:
                    if fault.processed:
                        standin._do(method, params)
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if fault and fault.status >= 400:
                    if fault.processed:
                        standin._do(method, params)
                    headers = {"Retry-After": str(fault.retry_after)} if fault.status == 429 else {}
                    self._send(fault.status, {"ok": False, "error": "ratelimited" if fault.status == 429
                                              else "internal_error"}, headers)
                    return
                self._send(200, standin._do(method, params))

            def _send(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        return Handler


# method -> (arguments Slack requires, the list that keeps the call)
AGENT_AND_FUNCTION_METHODS: dict[str, tuple[tuple[str, ...], str]] = {
    "assistant.threads.setSuggestedPrompts": (("channel_id", "prompts"), "prompts"),
    "assistant.threads.setTitle": (("channel_id", "thread_ts", "title"), "titles"),
    "assistant.threads.setStatus": (("channel_id", "thread_ts", "status"), "statuses"),
    "functions.completeSuccess": (("function_execution_id", "outputs"), "completions"),
    "functions.completeError": (("function_execution_id", "error"), "completions"),
}


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):  # clients that gave up
            super().handle_error(request, client_address)


def _parse(raw: str, content_type: str) -> dict[str, Any]:
    if "json" in content_type:
        return json.loads(raw or "{}")
    params: dict[str, Any] = {k: v[0] for k, v in parse_qs(raw).items()}
    for key in ("blocks", "metadata", "view", "outputs", "prompts"):  # JSON inside a form body
        if isinstance(params.get(key), str):
            params[key] = json.loads(params[key])
    return params
