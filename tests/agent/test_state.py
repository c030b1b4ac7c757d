"""Session state in a real Redis: snapshots after every turn, TTL, and restore on re-dispatch."""

from __future__ import annotations

import uuid
from typing import Any

from livekit.agents import RunResult, llm
from livekit.agents import llm as lk_llm

from agent_app.api.client import ParleyApi
from agent_app.api.outbox import OutboxOptions
from agent_app.call.session import ParleySession
from agent_app.providers.chains import Providers
from agent_app.providers.offline.responder import OfflineLLM
from agent_app.recovery.state import MemoryStateStore, RedisStateStore, SessionSnapshot, StateStore
from harness.agent_helpers import settings
from harness.doubles import FakeParleyApi, serve


async def test_redis_round_trip_with_ttl(redis_url: str) -> None:
    store = RedisStateStore(redis_url, ttl_seconds=120)
    sid = f"RM_{uuid.uuid4().hex[:8]}"
    await store.save(SessionSnapshot(session_id=sid, room_name="r", next_turn_index=7))
    loaded = await store.load(sid)
    assert loaded is not None and loaded.next_turn_index == 7 and loaded.room_name == "r"
    assert 0 < await store.ttl(sid) <= 120
    assert await store.load("RM_absent") is None
    await store.aclose()


async def test_memory_store_expires() -> None:
    store = MemoryStateStore(ttl_seconds=0)
    await store.save(SessionSnapshot(session_id="RM_x", room_name="r"))
    assert await store.load("RM_x") is None


def _session(
    url: str, redis_url: str, sid: str, model: lk_llm.LLM[Any], store: StateStore | None = None
) -> ParleySession:
    cfg = settings(redis_url=redis_url)
    providers = Providers(stt=None, llm=model, tts=None)  # type: ignore[arg-type]
    return ParleySession(
        settings=cfg,
        session_id=sid,
        room_name="room-a",
        api=ParleyApi(url, "agent-key"),
        store=store or RedisStateStore(redis_url, cfg.state_ttl_seconds),
        providers=providers,
        vad_model=None,
        outbox_options=OutboxOptions(backoff_base=0.01, backoff_cap=0.05),
        turn_options={},
    )


async def test_a_new_agent_restores_the_conversation(redis_url: str) -> None:
    fake = FakeParleyApi()
    sid = f"RM_{uuid.uuid4().hex[:8]}"
    async with serve(fake.app()) as url:
        # the first agent has two turns, then its worker "dies" (no final close)
        async with OfflineLLM() as model:
            first = _session(url, redis_url, sid, model)
            agent = await first.prepare()
            await first.session.start(agent)
            await first.session.run(user_input="my name is Ada")
            await first.session.run(user_input="what time is it")
            assert first.recorder is not None
            await first.recorder.wait_saved()
            assert await first.outbox.flush(10)
            await first.session.aclose()
            await first.outbox.aclose(1)
        snapshot = await RedisStateStore(redis_url, 60).load(sid)
        assert snapshot is not None and snapshot.next_turn_index == 4

        # a re-dispatched agent picks up the context and keeps numbering turns
        async with OfflineLLM() as model:
            second = _session(url, redis_url, sid, model)
            agent = await second.prepare()
            assert second.restored
            texts = [m.text_content for m in agent.chat_ctx.items if isinstance(m, llm.ChatMessage)]
            assert "my name is Ada" in texts
            await second.session.start(agent)
            await second.session.run(user_input="goodbye")
            await second.close(5)
        final = await RedisStateStore(redis_url, 60).load(sid)
    assert final is not None and final.status == "ended"
    indices = sorted(s["turnIndex"] for s in fake.segments.values())
    assert indices == list(range(6)), "restored turns continue the numbering"
    assert fake.segments[f"{sid}-000004-user"]["text"] == "goodbye"


async def test_snapshot_failure_does_not_break_the_conversation() -> None:
    fake = FakeParleyApi()
    async with serve(fake.app()) as url, OfflineLLM() as model:
        session = _session(url, "redis://127.0.0.1:1/0", "RM_nostate", model)
        agent = await session.prepare()
        await session.session.start(agent)
        result: RunResult[None] = await session.session.run(user_input="hello")
        result.expect.next_event().is_message(role="assistant")
        await session.close(2)
    assert len(fake.segments) == 2


async def test_segments_the_dead_agent_never_sent_are_sent_by_the_next() -> None:
    """kill -9 can leave segments in the dead agent's outbox; its snapshot still has them."""
    fake = FakeParleyApi()
    store = MemoryStateStore(ttl_seconds=60)
    sid = f"RM_{uuid.uuid4().hex[:8]}"
    async with OfflineLLM() as model:
        # the API is unreachable for the first agent: nothing leaves its outbox
        first = _session("http://127.0.0.1:1", "", sid, model, store)
        agent = await first.prepare()
        assert first.recorder is not None
        await first.session.start(agent)
        await first.session.run(user_input="my name is Ada")
        await first.recorder.wait_saved()
        assert first.outbox.delivered == 0
        await first.session.aclose()
        await first.outbox.aclose(0.1)

    async with serve(fake.app()) as url, OfflineLLM() as model:
        second = _session(url, "", sid, model, store)
        await second.prepare()
        assert second.restored
        assert await second.outbox.flush(10)
        await second.outbox.aclose(1)
    assert sorted(fake.segments) == [f"{sid}-000000-user", f"{sid}-000001-assistant"]
    assert fake.segments[f"{sid}-000000-user"]["text"] == "my name is Ada"
