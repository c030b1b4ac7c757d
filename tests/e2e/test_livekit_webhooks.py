"""Webhooks from a real LiveKit server land in `sessions`; dispatch into existing rooms."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from livekit import api, rtc

from harness.stack import Stack

pytestmark = pytest.mark.e2e


async def eventually(
    probe: Callable[[], Awaitable[Any]], ok: Callable[[Any], bool], timeout: float, what: str
) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await probe()
        if ok(last):
            return last
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}; last: {last}")


async def test_room_lifecycle_from_real_webhooks(stack: Stack) -> None:
    room_name = f"e2e-{uuid.uuid4().hex[:8]}"
    headers = {"x-api-key": stack.api.api_key}
    async with httpx.AsyncClient(base_url=stack.api.base_url, timeout=10) as client:
        token = (
            await client.post(
                "/api/token",
                json={"roomName": room_name, "participantName": "caller"},
                headers=headers,
            )
        ).json()
        room = rtc.Room()
        await room.connect(token["serverUrl"], token["participantToken"])
        source = rtc.AudioSource(48000, 1)
        track = rtc.LocalAudioTrack.create_audio_track("mic", source)
        await room.local_participant.publish_track(
            track, rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)
        )
        session_id = await room.sid

        async def get_session() -> dict[str, Any]:
            resp = await client.get(f"/api/sessions/{session_id}", headers=headers)
            return resp.json() if resp.status_code == 200 else {}

        live = await eventually(
            get_session,
            lambda s: bool(s.get("participants")) and bool(s.get("tracks")),
            20,
            "participant_joined and track_published",
        )
        assert live["status"] == "active"
        assert live["roomName"] == room_name
        assert live["participants"][0]["identity"] == "caller"
        assert live["tracks"][0]["type"] == "audio"

        await room.disconnect()
        async with api.LiveKitAPI(
            stack.livekit.http_url, stack.livekit_key, stack.livekit_secret
        ) as lk:
            await lk.room.delete_room(api.DeleteRoomRequest(room=room_name))
        done = await eventually(
            get_session,
            lambda s: (
                s.get("status") == "finished"
                and all(p["state"] == "left" for p in s["participants"])
            ),
            30,
            "room_finished and participant_left",
        )
        assert done["startedAt"] <= done["finishedAt"]
        listed = await client.get("/api/sessions", params={"room": room_name}, headers=headers)
        assert [s["sessionId"] for s in listed.json()["items"]] == [session_id]


async def parley_dispatches(lk: api.LiveKitAPI, room: str) -> list[api.AgentDispatch]:
    return [
        d for d in await lk.agent_dispatch.list_dispatch(room) if d.agent_name == "parley-agent"
    ]


async def test_token_for_an_existing_room_dispatches_through_the_server_api(stack: Stack) -> None:
    room_name = f"existing-{uuid.uuid4().hex[:8]}"
    async with api.LiveKitAPI(
        stack.livekit.http_url, stack.livekit_key, stack.livekit_secret
    ) as lk:
        # The room exists before anyone asks for a token: the token's dispatch would be ignored.
        await lk.room.create_room(api.CreateRoomRequest(name=room_name, empty_timeout=30))
        # (The server adds an unnamed default dispatch; only named agents matter here.)
        assert await parley_dispatches(lk, room_name) == []
        async with httpx.AsyncClient(base_url=stack.api.base_url, timeout=10) as client:
            body = {"roomName": room_name, "participantName": "late-joiner"}
            headers = {"x-api-key": stack.api.api_key}
            assert (await client.post("/api/token", json=body, headers=headers)).status_code == 200
            dispatches = await parley_dispatches(lk, room_name)
            assert len(dispatches) == 1
            assert "late-joiner" in dispatches[0].metadata
            # A second participant does not bring a second agent.
            body["participantName"] = "second"
            assert (await client.post("/api/token", json=body, headers=headers)).status_code == 200
            assert len(await parley_dispatches(lk, room_name)) == 1
        await lk.room.delete_room(api.DeleteRoomRequest(room=room_name))


async def test_agent_metrics_count_the_rooms_the_server_holds(stack: Stack) -> None:
    """What the KEDA rule reads: rooms with someone in them, from the server itself."""
    agent_headers = {"x-api-key": stack.api.agent_key}
    room_name = f"metrics-{uuid.uuid4().hex[:8]}"
    async with httpx.AsyncClient(base_url=stack.api.base_url, timeout=10) as client:

        async def metrics() -> dict[str, int]:
            resp = await client.get("/api/metrics/agents", headers=agent_headers)
            assert resp.status_code == 200, resp.text
            body: dict[str, int] = resp.json()
            return body

        before = await metrics()
        token = (
            await client.post(
                "/api/token",
                json={"roomName": room_name, "participantName": "counted"},
                headers={"x-api-key": stack.api.api_key},
            )
        ).json()
        room = rtc.Room()
        await room.connect(token["serverUrl"], token["participantToken"])
        try:
            during = await eventually(
                metrics,
                lambda m: m["activeSessions"] == before["activeSessions"] + 1,
                10,
                "the new room to count",
            )
            assert during["rooms"] >= during["activeSessions"]
        finally:
            await room.disconnect()
        await eventually(
            metrics,
            lambda m: m["activeSessions"] == before["activeSessions"],
            15,
            "the room to stop counting once empty",
        )
        assert (await client.get("/api/metrics/agents")).status_code == 401
