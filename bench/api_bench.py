"""Load benchmark for the HTTP API. Run `make api` first, then:

    .venv/bin/python -m bench.api_bench --clients 32 --seconds 10

Prints requests/s and latency percentiles for token issuing, webhooks and transcripts.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from livekit.protocol.webhook import WebhookEvent

from harness.livekit import DEV_LIVEKIT_KEY, DEV_LIVEKIT_SECRET
from harness.webhooks import WEBHOOK_PATH, signed_webhook

Request = Callable[[aiohttp.ClientSession, int], Awaitable[int]]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(
    name: str, request: Request, clients: int, seconds: float, unit: str = "requests", per: int = 1
) -> None:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker(wid: int) -> None:
            nonlocal errors
            i = 0
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                status = await request(session, wid * 1_000_000 + i)
                latencies.append(time.perf_counter() - start)
                if status >= 400:
                    errors += 1
                i += 1

        began = time.perf_counter()
        await asyncio.gather(*(worker(w) for w in range(clients)))
        elapsed = time.perf_counter() - began
    ms = [x * 1000 for x in latencies]
    print(
        f"{name:<12} {len(ms) * per / elapsed:>9.0f} {unit}/s  "
        f"p50 {statistics.median(ms):6.2f} ms  p99 {percentile(ms, 0.99):6.2f} ms  "
        f"requests {len(ms)}  errors {errors}  clients {clients}"
    )


async def post(session: aiohttp.ClientSession, url: str, **kwargs: Any) -> int:
    """POST, read the whole answer (as a client would), return its status."""
    async with session.post(url, **kwargs) as r:
        await r.read()
        return r.status


def token_request(base: str, key: str) -> Request:
    async def call(session: aiohttp.ClientSession, i: int) -> int:
        body = {"participantName": f"bench-{i}"}
        return await post(session, f"{base}/api/token", json=body, headers={"x-api-key": key})

    return call


def webhook_request(base: str, lk_key: str, lk_secret: str) -> Request:
    room_sid = f"RM_bench{uuid.uuid4().hex[:8]}"

    async def call(session: aiohttp.ClientSession, i: int) -> int:
        event = WebhookEvent(event="participant_joined", id=f"EV_{i}", created_at=int(time.time()))
        event.room.sid = f"{room_sid}{i % 64}"
        event.room.name = "bench"
        event.participant.sid = f"PA_{i}"
        event.participant.identity = f"u{i}"
        body, headers = signed_webhook(event, lk_secret, lk_key)
        return await post(session, f"{base}{WEBHOOK_PATH}", data=body, headers=headers)

    return call


def transcript_request(base: str, agent_key: str, batch: int) -> Request:
    sid = f"RM_bench{uuid.uuid4().hex[:8]}"

    async def call(session: aiohttp.ClientSession, i: int) -> int:
        segments = [
            {
                "id": f"{sid}-{(i * batch + j) % 999_999:06d}-user",
                "role": "user",
                "turnIndex": (i * batch + j) % 999_999,
                "text": "benchmark segment text of a typical spoken sentence",
            }
            for j in range(batch)
        ]
        return await post(
            session,
            f"{base}/api/sessions/{sid}/transcript",
            json={"segments": segments},
            headers={"x-api-key": agent_key},
        )

    return call


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base-url", default="http://127.0.0.1:7071")
    parser.add_argument("--api-key", default="dev-api-key")
    parser.add_argument("--agent-key", default="dev-agent-key")
    parser.add_argument("--livekit-key", default=DEV_LIVEKIT_KEY)
    parser.add_argument("--livekit-secret", default=DEV_LIVEKIT_SECRET)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--batch", type=int, default=50, help="segments per transcript request")
    parser.add_argument("--only", choices=["token", "webhook", "transcript"])
    args = parser.parse_args()
    base = args.base_url.rstrip("/")
    if args.only in (None, "token"):
        await run("token", token_request(base, args.api_key), args.clients, args.seconds)
    if args.only in (None, "webhook"):
        hook = webhook_request(base, args.livekit_key, args.livekit_secret)
        await run("webhook", hook, args.clients, args.seconds, unit="events")
    if args.only in (None, "transcript"):
        await run(
            "transcript",
            transcript_request(base, args.agent_key, args.batch),
            max(1, args.clients // 4),
            args.seconds,
            unit="segments",
            per=args.batch,
        )


if __name__ == "__main__":
    asyncio.run(main())
