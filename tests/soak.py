"""Soak: thousands of mixed deliveries against the real HTTP server while Slack misbehaves.

    python -m tests.soak [--deliveries 5000] [--concurrency 32] [--seed 1] [--replicas N --state URL]

Starts `glossary-bot serve --http` as a separate process, its Web API pointed at a local stand-in
that injects 429s, 500s (before and after doing the work), slow answers and dropped connections.
Sends signed mentions, DMs, slash commands and button clicks, redelivers a share of the events
(as Slack's retries do), then checks that every question got exactly one reply and the process
stayed up. Exits non-zero otherwise. Only 127.0.0.1 is used; every loop is bounded.

Mixed in, one request in ten is unauthenticated junk, as anyone who can reach /slack/events may
send: bad signatures (some with 1 MiB bodies), malformed timestamps, compressed bodies and slow
senders that trickle their body. Each must be refused (401, 415, 408) without anything posted,
while signed requests keep acking within Slack's 3 seconds.

With --replicas N, N servers share one state store (--state postgresql://…: a fresh database is made
on that server for the run and dropped after), requests are spread over them, and every retry of an
event goes to a different replica than its first delivery, as a load balancer may send it.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import ClassVar

from tests.conftest import PAGES
from tests.helpers import free_port
from tests.slack_harness import BOT_TOKEN, SECRET, sign
from tests.slack_standin import Fault, SlackStandIn

QUESTIONS = ["what is CTR?", "why does CAC matter", "common mistakes with ROAS", "churn rate", "LTV example",
             "how is conversion rate used in practice?", "what is an MQL", "A/B test pitfalls"]


def fault_maker(rng: random.Random, rates: dict[str, float]) -> Callable[[], Fault | None]:
    def make() -> Fault | None:
        roll = rng.random()
        for kind, rate in rates.items():
            if roll < rate:
                return {"429": Fault(status=429, retry_after=1), "500": Fault(status=500),
                        "500-after": Fault(status=500, processed=True), "slow": Fault(delay=1.0),
                        "drop-after": Fault(drop=True, processed=True)}[kind]
            roll -= rate
        return None
    return make


class Soak:
    def __init__(self, standin: SlackStandIn, ports: list[int], seed: int):
        self.standin, self.rng = standin, random.Random(seed)
        self.urls = [f"http://127.0.0.1:{port}/slack/events" for port in ports]
        self.url = self.urls[0]
        self.acks: list[float] = []
        self.errors: Counter[str] = Counter()
        self.expected: dict[str, int] = {}  # reply key -> replies expected
        self.junk_results: dict[str, Counter[int | str]] = {kind: Counter() for kind in self.JUNK_KINDS}
        self.slow_pool = ThreadPoolExecutor(64)
        self.slow: list[Future[None]] = []

    def send_all(self, requests: list[tuple[str, str, dict[str, str] | None]], replica: int = 0) -> list[int]:
        """A delivery and its retries, each retry to the next replica than the one before."""
        return [self.send(*r, replica=replica + k) for k, r in enumerate(requests)]

    def send(self, body: str, content_type: str, headers: dict[str, str] | None = None, replica: int = 0) -> int:
        ts = int(time.time())
        url = self.urls[replica % len(self.urls)]
        request = urllib.request.Request(url, data=body.encode(), method="POST", headers={
            "Content-Type": content_type, "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": sign(body, ts), **(headers or {})})
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status = response.status
                response.read()
        except urllib.error.HTTPError as err:
            status = err.code
        except OSError as err:
            self.errors[type(err).__name__] += 1
            return 0
        self.acks.append(time.monotonic() - started)
        if status != 200:
            self.errors[f"HTTP {status}"] += 1
        return status

    def event_body(self, i: int, kind: str) -> tuple[str, str]:
        question = self.rng.choice(QUESTIONS)
        ts = f"17000{i:05d}.000100"
        if kind == "mention":
            event = {"type": "app_mention", "user": "U1", "text": f"<@UBOT> {question}", "ts": ts,
                     "channel": f"C{i % 200}"}
            key = f"thread:{ts}"
        else:
            event = {"type": "message", "channel_type": "im", "user": "U1", "text": question, "ts": ts,
                     "channel": f"D{i}"}
            key = f"thread:{ts}"  # DMs are the agent container: each question is a thread
        body = json.dumps({"type": "event_callback", "event_id": f"EvSoak{i}", "team_id": "T1", "event": event})
        return body, key

    def delivery(self, i: int) -> list[tuple[str, str, dict[str, str] | None]]:
        """One delivery: the request(s) Slack would send for item i, with its expected reply."""
        kind = self.rng.choices(["mention", "dm", "command", "click"], weights=[35, 25, 20, 20])[0]
        if kind in ("mention", "dm"):
            body, key = self.event_body(i, kind)
            self.expected[key] = 1
            requests: list[tuple[str, str, dict[str, str] | None]] = [(body, "application/json", None)]
            if self.rng.random() < 0.15:  # Slack retries: same event_id, retry headers
                requests.append((body, "application/json", {"X-Slack-Retry-Num": "1",
                                                            "X-Slack-Retry-Reason": "http_timeout"}))
            return requests
        if kind == "command":
            form = {"command": "/glossary", "text": self.rng.choice(QUESTIONS), "user_id": "U1", "channel_id": "C1",
                    "team_id": "T1", "response_url": self.standin.response_url(f"cmd{i}"), "trigger_id": "t"}
            return [(urllib.parse.urlencode(form), "application/x-www-form-urlencoded", None)]
        action_id = self.rng.choice(["glossary_example", "glossary_share"])
        self.expected[f"respond/click{i}"] = 2 if action_id == "glossary_share" else 1
        # Shares: half in channels the bot has joined (chat.postMessage, checked), half where it has not
        # (Slack refuses, response_url takes over). Each share's channel is its own, to count it.
        channel = f"CSHARE{i}" if i % 2 else f"CNOTMEMBER{i}"
        if action_id == "glossary_share" and i % 2:
            self.expected[f"share:{channel}"] = 1
            self.expected[f"respond/click{i}"] = 1  # the preview's removal
        payload = {"type": "block_actions", "user": {"id": "U1"}, "team": {"id": "T1"}, "trigger_id": "t",
                   "container": {"type": "message", "is_ephemeral": True}, "channel": {"id": channel},
                   "response_url": self.standin.response_url(f"click{i}"),
                   "actions": [{"action_id": action_id, "type": "button", "value": json.dumps(
                       {"s": "churn-rate", "p": "intent:definition"})}]}
        return [(urllib.parse.urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded", None)]

    # ---- unauthenticated junk -----------------------------------------------------------------

    JUNK_KINDS = ("bad-signature", "bad-timestamp", "compressed", "slow-sender")
    JUNK_EXPECTED: ClassVar[dict[str, int]] = {"bad-signature": 401, "bad-timestamp": 401, "compressed": 415,
                                               "slow-sender": 408}

    def junk(self, i: int) -> None:
        """One unauthenticated request aimed at a response_url and a channel of its own, so anything
        done for it would show; slow senders run on their own threads (they take 10 s each)."""
        kind = self.JUNK_KINDS[i % len(self.JUNK_KINDS)]
        url = self.urls[i % len(self.urls)]
        form = urllib.parse.urlencode({"command": "/glossary", "text": "what is CTR?", "user_id": "U1",
                                       "channel_id": f"CJUNK{i}", "team_id": "T1", "trigger_id": "t",
                                       "response_url": self.standin.response_url(f"junk{i}")})
        if kind == "slow-sender":
            self.slow.append(self.slow_pool.submit(self.trickle, form, url))
            return
        ts = int(time.time())
        headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": str(ts),
                   "X-Slack-Signature": sign(form, ts)}
        body = form.encode()
        if kind == "bad-signature":
            headers["X-Slack-Signature"] = f"v0={random.getrandbits(256):064x}"
            if i % 8 == 0:
                body += b"&pad=" + b"x" * 1_000_000  # a 1 MiB body: refused without being logged
        elif kind == "bad-timestamp":
            headers["X-Slack-Request-Timestamp"] = "not-a-number"
        else:
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        request = urllib.request.Request(url, data=body, method="POST", headers=headers)
        status: int | str
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                status = response.status
        except urllib.error.HTTPError as err:
            status = err.code
        except OSError as err:
            status = f"error {type(err).__name__}"
        self.junk_results[kind][status] += 1

    def trickle(self, form: str, url: str) -> None:
        ts = int(time.time())
        head = (f"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {len(form)}\r\nX-Slack-Request-Timestamp: {ts}\r\n"
                f"X-Slack-Signature: {sign(form, ts)}\r\n\r\n")
        port = int(url.split(":")[2].split("/", maxsplit=1)[0])
        status: int | str = "no answer"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
                conn.sendall(head.encode())
                conn.settimeout(0.5)
                for ch in form.encode()[:-1]:  # never the last byte
                    try:
                        answer = conn.recv(4096)
                    except TimeoutError:
                        conn.sendall(bytes([ch]))
                        continue
                    status = int(answer.split(b" ", 2)[1]) if answer else "closed"
                    break
        except OSError as err:
            status = f"error {type(err).__name__}"
        self.junk_results["slow-sender"][status] += 1

    def junk_replies(self) -> int:
        """Calls the server made for junk: there must be none."""
        return sum(1 for c in list(self.standin.calls) if "junk" in c.method.lower()
                   or "JUNK" in str(c.params.get("channel", "")))

    def got(self) -> Counter[str]:
        """Replies as people see them, per expected key. A new message counts each time it appears.
        Replacing or deleting the original leaves the same screen however often it is repeated, so
        counts once. A share Slack did not confirm counts as answered when the person was told so
        (the preview and its button stay): it appeared at most once, and nothing was lost silently."""
        found: Counter[str] = Counter()
        for post in list(self.standin.posts):
            channel = post["channel"]
            found[f"share:{channel}" if channel.startswith("CSHARE") else f"thread:{post['thread_ts']}"
                  if post.get("thread_ts") else f"dm:{channel}"] += 1
        shown: dict[str, set[str]] = {}
        for response in list(self.standin.responses):
            url = response["_url"]
            if response.get("response_type") == "in_channel":
                found[url] += 1
            elif "did not confirm the share" in json.dumps(response.get("blocks")):
                shown.setdefault(url, set()).add("told")
            else:
                shown.setdefault(url, set()).add("delete" if response.get("delete_original") else "replace")
        for url, edits in shown.items():
            if "told" in edits and self.expected.get(url) == 2:
                # Told to press Share again: right whether the share landed (1) or not (0); 2 is a duplicate.
                found[url] = 2 if found[url] <= 1 else found[url] + 1
            else:
                found[url] += len(edits)
        return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deliveries", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-junk", dest="junk", action="store_false", help="leave out the unauthenticated junk")
    parser.add_argument("--replicas", type=int, default=1, help="servers sharing one state store")
    parser.add_argument("--state", default=None,
                        help="the shared store: postgresql://… (a fresh database is made there), else SQLite")
    args = parser.parse_args()
    if args.state and args.state.startswith("postgres"):
        from tests.pg import fresh_database

        with fresh_database(args.state) as url:
            return run(args, url)
    return run(args, args.state)


def start_server(standin: SlackStandIn, tmp: str, port: int, state_url: str, cache: str) -> subprocess.Popen[str]:
    server = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--http", "--port", str(port), "--content", str(PAGES)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp,
        env={**os.environ, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET,
             "SLACK_API_URL": standin.url, "GLOSSARY_STATE_URL": state_url, "GLOSSARY_CACHE_DIR": cache,
             "LOG_LEVEL": "WARNING"})
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
            break
        except OSError:
            time.sleep(0.1)
    return server


def run(args: argparse.Namespace, state: str | None) -> int:
    rng = random.Random(args.seed)
    rates = {"429": 0.04, "500": 0.03, "500-after": 0.02, "slow": 0.03, "drop-after": 0.01}
    with SlackStandIn() as standin, tempfile.TemporaryDirectory() as tmp:
        for method in ("chat.postMessage", "respond", "chat.postEphemeral"):
            standin.random_faults[method] = fault_maker(random.Random(rng.random()), rates)
        state_url = state or f"sqlite:///{Path(tmp) / 'state.db'}"
        ports = [free_port() for _ in range(args.replicas)]
        servers = [start_server(standin, tmp, port, state_url, str(Path(tmp) / f"cache{i}"))
                   for i, port in enumerate(ports)]
        soak = Soak(standin, ports, args.seed)
        batches = [soak.delivery(i) for i in range(args.deliveries)]
        # One request in ten is junk: after every nine signed requests, one unauthenticated one.
        work: list[Callable[[], object]] = []
        signed = junk = 0
        for i, reqs in enumerate(batches):  # a retry goes to another replica than its first delivery
            work.append(functools.partial(soak.send_all, reqs, i))
            signed += len(reqs)
            while args.junk and signed >= 9 * (junk + 1):
                work.append(functools.partial(soak.junk, junk))
                junk += 1
        started = time.monotonic()
        with ThreadPoolExecutor(args.concurrency) as pool:
            list(pool.map(lambda job: job(), work))
        sent_seconds = time.monotonic() - started
        for slow in soak.slow:
            slow.result(timeout=60)
        soak.slow_pool.shutdown()
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and any(soak.got()[k] < n for k, n in soak.expected.items()):
            time.sleep(0.5)
        time.sleep(3)  # anything late and duplicated shows up now
        alive = all(server.poll() is None for server in servers)
        junk_replies = soak.junk_replies()
        got = soak.got()
        lost = sum(max(0, n - got[k]) for k, n in soak.expected.items())
        duplicated = sum(max(0, got[k] - n) for k, n in soak.expected.items())
        for server in servers:
            server.send_signal(signal.SIGTERM)
        output = "".join(server.communicate(timeout=60)[0] for server in servers)
        returncode = max(abs(server.returncode) for server in servers)
    deliveries = sum(len(b) for b in batches)
    acks = sorted(soak.acks)
    print(f"deliveries sent:      {deliveries} ({args.deliveries} distinct, {deliveries - args.deliveries} "
          f"redelivered retries) in {sent_seconds:.1f}s")
    print(f"faults injected:      {standin.faults_injected} (429, 500 before/after work, 1 s delays, dropped "
          f"connections)")
    print(f"replies expected:     {sum(soak.expected.values())} (+ {args.deliveries - len(soak.expected)} commands "
          f"answered in their ack)")
    print(f"replies lost:         {lost}")
    print(f"replies duplicated:   {duplicated}")
    print(f"ack latency:          p50 {statistics.median(acks) * 1000:.0f} ms, p99 "
          f"{acks[int(len(acks) * 0.99)] * 1000:.0f} ms, max {acks[-1] * 1000:.0f} ms")
    print(f"request errors:       {dict(soak.errors) or 'none'}")
    junk_total = sum(sum(c.values()) for c in soak.junk_results.values())
    junk_wrong = {kind: dict(c) for kind, c in soak.junk_results.items()
                  if set(c) - {Soak.JUNK_EXPECTED[kind]} - ({"closed"} if kind == "slow-sender" else set())}
    print(f"junk (unsigned):      {junk_total} ({junk_total / max(1, junk_total + deliveries):.0%} of requests): "
          + ", ".join(f"{kind} {dict(c)}" for kind, c in soak.junk_results.items()))
    print(f"calls made for junk:  {junk_replies}")
    print(f"replicas:             {args.replicas} on {'PostgreSQL' if state_url.startswith('postgres') else 'SQLite'}")
    print(f"processes stayed up:  {alive}; exit after SIGTERM: {returncode}")
    ok = lost == 0 and duplicated == 0 and alive and not soak.errors and returncode == 0
    ok = ok and junk_replies == 0 and not junk_wrong and acks[-1] < 3.0
    if not ok:
        for key, n in list(soak.expected.items()):
            if got[key] != n:
                print(f"  {key}: expected {n}, got {got[key]}: " + "; ".join(
                    f"{c.method} {json.dumps(c.params)[:160]}" for c in standin.calls
                    if key.split(":")[-1] in (c.method, c.params.get("channel"), c.params.get("thread_ts")))[:900])
        print(output[-3000:])
    print("soak: PASS" if ok else "soak: FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
