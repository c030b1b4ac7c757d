"""The background sender: batching, retries, spooling, and no lost segments."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from agent_app.api.client import ParleyApi
from agent_app.api.outbox import Outbox, OutboxOptions
from agent_app.call.transcripts import segment_id
from harness.doubles import FakeParleyApi, serve
from harness.waiting import wait_for

FAST = OutboxOptions(backoff_base=0.01, backoff_cap=0.05, max_attempts=3)


@asynccontextmanager
async def _client_of(fake: FakeParleyApi) -> AsyncIterator[ParleyApi]:
    """The agent's API client for ``fake``, served on a free port; closed on exit."""
    async with serve(fake.app()) as url:
        api = ParleyApi(url, "agent-key")
        try:
            yield api
        finally:
            await api.aclose()


def _segment(session_id: str, index: int) -> dict[str, Any]:
    role = "user" if index % 2 == 0 else "assistant"
    return {
        "id": segment_id(session_id, index, role),
        "role": role,
        "text": f"turn {index}",
        "turnIndex": index,
    }


async def test_batches_are_at_most_one_hundred() -> None:
    fake = FakeParleyApi()
    async with _client_of(fake) as api:
        outbox = Outbox(api, "RM_batch", FAST)
        for i in range(250):
            outbox.submit("transcript", _segment("RM_batch", i))
        outbox.start()
        assert await outbox.flush(10)
        await outbox.aclose(1)
    assert len(fake.segments) == 250
    assert max(fake.transcript_posts) == 100 and sum(fake.transcript_posts) == 250


async def test_events_and_segments_go_to_their_own_routes() -> None:
    fake = FakeParleyApi()
    async with _client_of(fake) as api:
        outbox = Outbox(api, "RM_mix", FAST)
        outbox.start()
        outbox.submit("event", {"id": "e1", "type": "x", "at": "now", "data": {}})
        outbox.submit("transcript", _segment("RM_mix", 0))
        outbox.submit("event", {"id": "e2", "type": "x", "at": "now", "data": {}})
        assert await outbox.flush(10)
        await outbox.aclose(1)
    assert set(fake.events) == {"e1", "e2"} and len(fake.segments) == 1


async def test_outage_spools_and_resumes_without_loss() -> None:
    fake = FakeParleyApi()
    async with _client_of(fake) as api:
        outbox = Outbox(api, "RM_outage", FAST)
        outbox.start()
        outbox.submit("transcript", _segment("RM_outage", 0))
        await wait_for(lambda: len(fake.segments) == 1, what="first segment")
        fake.status = 503
        for i in range(1, 6):
            outbox.submit("transcript", _segment("RM_outage", i))
        await wait_for(lambda: outbox.api_down, what="outbox notices the outage")
        assert len(fake.segments) == 1 and outbox.pending == 5
        fake.status = 200
        assert await outbox.flush(10)
        await outbox.aclose(1)
    assert sorted(s["turnIndex"] for s in fake.segments.values()) == list(range(6))


async def test_invalid_batches_are_dropped_not_retried_forever() -> None:
    fake = FakeParleyApi(reject_transcripts=True)
    async with _client_of(fake) as api:
        outbox = Outbox(api, "RM_bad", FAST)
        outbox.start()
        outbox.submit("transcript", _segment("RM_bad", 0))
        outbox.submit("event", {"id": "e1", "type": "x", "at": "now", "data": {}})
        assert await outbox.flush(10)
        await outbox.aclose(1)
    assert outbox.dropped == 1 and set(fake.events) == {"e1"}


async def test_undelivered_items_survive_in_the_disk_spool(tmp_path: Path) -> None:
    fake = FakeParleyApi(status=503)
    opts = OutboxOptions(backoff_base=0.01, backoff_cap=0.05, max_attempts=2, spool_dir=tmp_path)
    async with _client_of(fake) as api:
        first = Outbox(api, "RM_spool", opts)
        first.start()
        for i in range(3):
            first.submit("transcript", _segment("RM_spool", i))
        assert not await first.aclose(0.3)
        assert first.pending == 3, "all three are on disk"
        # a later process for the same session delivers them
        fake.status = 200
        second = Outbox(api, "RM_spool", opts)
        second.start()
        assert await second.flush(10)
        await second.aclose(1)
    assert len(fake.segments) == 3 and not list(tmp_path.iterdir())


async def test_memory_bound_without_spool_drops_oldest() -> None:
    outbox = Outbox(FakeDestination(), "RM_full", OutboxOptions(max_buffered=3))
    for i in range(5):
        outbox.submit("transcript", _segment("RM_full", i))
    assert outbox.pending == 3 and outbox.dropped == 2


class FakeDestination:
    async def post_transcript(self, session_id: str, segments: Any) -> dict[str, Any]:
        return {}

    async def post_events(self, session_id: str, events: Any) -> dict[str, Any]:
        return {}


async def test_live_api_outage_mid_conversation_loses_nothing(live_api: Any) -> None:
    """The real API goes down mid-conversation and comes back on the same port."""
    session_id = f"RM_{uuid.uuid4().hex[:12]}"
    api = ParleyApi(live_api.base_url, live_api.agent_key, timeout=2)
    outbox = Outbox(api, session_id, OutboxOptions(backoff_base=0.05, backoff_cap=0.3))
    outbox.start()
    try:
        for i in range(4):
            outbox.submit("transcript", _segment(session_id, i))
        assert await outbox.flush(20)
        live_api.stop()
        for i in range(4, 10):
            outbox.submit("transcript", _segment(session_id, i))
        await wait_for(lambda: outbox.api_down, timeout=20, what="outbox notices the outage")
        live_api.start()
        assert await outbox.flush(30)
    finally:
        await outbox.aclose(5)
        await api.aclose()
    async with httpx.AsyncClient(
        base_url=live_api.base_url, headers={"x-api-key": live_api.api_key}, timeout=10
    ) as client:
        resp = await client.get(f"/api/sessions/{session_id}/transcript", params={"limit": 100})
    assert resp.status_code == 200, resp.text
    items = resp.json()["items"]
    assert [item["turnIndex"] for item in items] == list(range(10))
    assert [item["id"] for item in items] == [
        segment_id(session_id, i, "user" if i % 2 == 0 else "assistant") for i in range(10)
    ]
