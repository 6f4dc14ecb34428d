"""A signed-request load generator in its own process (python -m tests.bench.load URL N CONCURRENCY).

One slash-command body, signed once (Slack accepts a timestamp for 5 minutes), sent N times over
keep-alive connections; prints one JSON line: requests, seconds, rps, p50_ms, p99_ms, errors."""

from __future__ import annotations

import asyncio
import json
import sys
import time
import urllib.parse

import aiohttp

from tests.slack_harness import sign


async def run(url: str, total: int, concurrency: int, text: str) -> dict[str, float]:
    body = urllib.parse.urlencode({"command": "/glossary", "text": text, "team_id": "T1", "user_id": "U1",
                                   "channel_id": "C1", "response_url": "http://127.0.0.1:9/r", "trigger_id": "t"})
    ts = int(time.time())
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": str(ts),
               "X-Slack-Signature": sign(body, ts)}
    latencies: list[float] = []
    errors = 0
    queue = iter(range(total))

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal errors
        for _ in queue:
            started = time.perf_counter()
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
                if response.status != 200:
                    errors += 1
            latencies.append(time.perf_counter() - started)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:
        started = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    latencies.sort()
    return {"requests": total, "seconds": seconds, "rps": total / seconds, "errors": errors,
            "p50_ms": latencies[len(latencies) // 2] * 1e3, "p99_ms": latencies[int(len(latencies) * 0.99)] * 1e3}


if __name__ == "__main__":
    url, total, concurrency = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    text = sys.argv[4] if len(sys.argv) > 4 else "why does segment matter"
    print(json.dumps(asyncio.run(run(url, total, concurrency, text))))
