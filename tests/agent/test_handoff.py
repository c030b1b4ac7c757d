"""Leftovers of a call that closed while the API was away are handed on, never dropped,
and a later round delivers them: from Redis (any worker) or from this worker's disk."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from agent_app.api.client import ParleyApi
from agent_app.api.handoff import DiskHandoff, Handoff, Parcel, RedisHandoff, open_handoff
from agent_app.api.outbox import Outbox, OutboxOptions
from agent_app.api.redelivery import Redeliverer
from agent_app.call.room_events import make_event
from agent_app.call.transcripts import segment_id
from agent_app.settings import AgentSettings
from harness.doubles import FakeParleyApi, serve

FAST = OutboxOptions(backoff_base=0.01, backoff_cap=0.05, max_attempts=2)


@pytest.fixture(params=["redis", "disk"])
async def handoff(
    request: pytest.FixtureRequest, redis_url: str, tmp_path: Path
) -> AsyncIterator[Handoff]:
    kept: Handoff = (
        RedisHandoff(redis_url, 60, f"test{uuid.uuid4().hex[:6]}")
        if request.param == "redis"
        else DiskHandoff(tmp_path / "handoff")
    )
    yield kept
    await kept.aclose()


def _segments(session_id: str, count: int) -> list[dict[str, Any]]:
    return [
        {
            "id": segment_id(session_id, i, "user"),
            "role": "user",
            "text": f"turn {i}",
            "turnIndex": i,
        }
        for i in range(count)
    ]


async def test_a_call_closing_while_the_api_is_down_hands_everything_on(
    handoff: Handoff,
) -> None:
    fake = FakeParleyApi(status=503)
    session = f"RM_{uuid.uuid4().hex[:8]}"
    segments = _segments(session, 130)
    async with serve(fake.app()) as url:

        def api_for(tenant: str | None) -> ParleyApi:
            return ParleyApi(url, "agent-key", tenant=tenant)

        api = api_for("acme")
        outbox = Outbox(api, session, FAST, handoff=handoff, tenant="acme")
        outbox.start()
        for segment in segments:
            outbox.submit("transcript", segment)
        outbox.submit("event", make_event(session, "document_added", {"uploadId": "u1"}))
        assert not await outbox.aclose(0.5)
        await api.aclose()
        assert outbox.dropped == 0 and not fake.segments

        redeliverer = Redeliverer(handoff, api_for)
        assert await redeliverer.deliver_once() == 0, "the API is still down"
        fake.status = 200
        assert await redeliverer.deliver_once() == 131
        assert await redeliverer.deliver_once() == 0, "delivered once, then gone"
    assert sorted(fake.segments) == sorted(s["id"] for s in segments)
    assert [e["type"] for e in fake.events.values()] == ["document_added"]
    assert max(fake.transcript_posts) <= 100


async def test_stacks_sharing_a_redis_or_a_disk_keep_their_parcels_apart(
    redis_url: str, tmp_path: Path
) -> None:
    for extra in ({"redis_url": redis_url}, {"transcript_spool_dir": str(tmp_path)}):
        one = open_handoff(AgentSettings.model_validate({"parley_api_url": "http://a", **extra}))
        two = open_handoff(AgentSettings.model_validate({"parley_api_url": "http://b", **extra}))
        await one.keep(Parcel("RM_1", None, [{"kind": "event", "payload": {"id": "e"}}]))
        assert await two.take(10) == []
        assert [p.session_id for p in await one.take(10)] == ["RM_1"]
        await one.aclose()
        await two.aclose()
