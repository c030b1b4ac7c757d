"""ParleySession wiring: transcripts per turn, documents joining the context, lifecycle events."""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any

import pytest
from livekit import rtc

from agent_app.call.dispatch import DispatchMetadata
from agent_app.call.session import ParleySession
from agent_app.documents.search import Document
from harness.agent_helpers import converse, offline_session
from harness.doubles import FakeParleyApi, serve
from harness.waiting import wait_for


def _parley(url: str, sid: str) -> ParleySession:
    return offline_session(url, sid, "room-s")


async def test_each_turn_becomes_a_segment_with_a_deterministic_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = FakeParleyApi()
    caplog.set_level(logging.INFO, logger="parley.agent.metrics")
    async with serve(fake.app()) as url:
        parley = _parley(url, "RM_turns")
        await converse(parley, "hello there", "what time is it")
    ids = sorted(fake.segments)
    assert ids == [
        "RM_turns-000000-user",
        "RM_turns-000001-assistant",
        "RM_turns-000002-user",
        "RM_turns-000003-assistant",
    ]
    assert fake.segments["RM_turns-000003-assistant"]["text"].startswith("It's")
    assert any(
        "turn metrics" in r.getMessage() and "llm_ttft" in r.getMessage() for r in caplog.records
    )


async def test_ready_document_joins_the_conversation() -> None:
    fake = FakeParleyApi()
    async with serve(fake.app()) as url:
        parley = _parley(url, "RM_docs")
        agent = await parley.prepare()
        await parley.session.start(agent)
        await parley._document_ready(Document("u1", "menu.txt", "Soup of the day: tomato."))
        notes = [m.text_content or "" for m in agent.chat_ctx.messages() if m.role == "system"]
        assert any("menu.txt" in n and "tomato" in n for n in notes)
        await wait_for(
            lambda: parley.recorder is not None and "u1" in parley.recorder.snapshot.uploads
        )
        await parley.close(5)
    assert any(e["type"] == "document_added" for e in fake.events.values())


def test_dispatch_metadata() -> None:
    meta = DispatchMetadata.parse('{"sessionId": "RM_1", "restore": true}')
    assert meta == DispatchMetadata(session_id="RM_1", restore=True)
    assert DispatchMetadata.parse("not json") == DispatchMetadata()
    assert DispatchMetadata.parse("") == DispatchMetadata()
    assert DispatchMetadata.parse("[1]") == DispatchMetadata()


async def test_room_events_are_recorded_and_data_routed() -> None:
    from agent_app.call.room_events import RoomEventRecorder

    events: list[dict[str, Any]] = []
    routed: list[bytes] = []
    recorder = RoomEventRecorder("RM_ev", events.append)
    recorder.add_data_handler("parley.uploads", lambda p: routed.append(p.data))
    who = SimpleNamespace(identity="user-1", sid="PA_1", kind=0, disconnect_reason=None)
    track = SimpleNamespace(kind=rtc.TrackKind.KIND_AUDIO)
    pub = SimpleNamespace(sid="TR_1", source=rtc.TrackSource.SOURCE_MICROPHONE)
    recorder.on_participant_connected(who)  # type: ignore[arg-type]
    recorder.on_track_subscribed(track, pub, who)  # type: ignore[arg-type]
    recorder.on_track_unsubscribed(track, pub, who)  # type: ignore[arg-type]
    recorder.on_connection_quality_changed(who, rtc.ConnectionQuality.QUALITY_POOR)  # type: ignore[arg-type]
    recorder.on_data_received(
        rtc.DataPacket(data=b"{}", kind=0, participant=who, topic="parley.uploads")  # type: ignore[arg-type]
    )
    recorder.on_data_received(
        rtc.DataPacket(data=b"secret", kind=0, participant=who, topic="chat")  # type: ignore[arg-type]
    )
    recorder.on_participant_disconnected(who)  # type: ignore[arg-type]
    assert [e["type"] for e in events] == [
        "participant_connected",
        "track_subscribed",
        "track_unsubscribed",
        "connection_quality_changed",
        "data_received",
        "data_received",
        "participant_disconnected",
    ]
    assert events[3]["data"]["quality"] == "QUALITY_POOR"
    assert routed == [b"{}"], "only the uploads topic is routed"
    assert all("secret" not in str(e) for e in events), "payloads are not recorded"
    assert len({e["id"] for e in events}) == len(events)


def test_events_before_the_session_is_known_are_kept_in_order() -> None:
    from agent_app.call.room_events import RoomEventRecorder

    recorder = RoomEventRecorder()
    recorder.record("participant_connected", {"participantIdentity": "early"})
    delivered: list[dict[str, Any]] = []
    recorder.bind("RM_late", delivered.append)
    recorder.record("track_subscribed", {})
    assert [e["type"] for e in delivered] == ["participant_connected", "track_subscribed"]
    assert all(e["id"].startswith("RM_late-evt-") for e in delivered)
