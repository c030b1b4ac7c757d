"""The real worker against a real LiveKit server and the live API: dispatch, speech, files.

A participant joins, the agent is dispatched explicitly by name, greets, hears eSpeak
speech through WebRTC, answers with the time, stores a file sent over a byte stream,
and everything lands in the API (transcript, events, upload).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from livekit import api, rtc

from harness.agent_helpers import speech_frames
from harness.api import ApiProcess
from harness.doubles.audio_io import PacedMicrophone
from harness.livekit import DEV_LIVEKIT_KEY, DEV_LIVEKIT_SECRET, join_token
from harness.stack import Stack, agent_on
from harness.waiting import wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture
def worker(stack: Stack, tmp_path: Path) -> Iterator[str]:
    """The worker under its own agent name (nothing else may take its dispatch)."""
    agent_name = f"parley-e2e-{uuid.uuid4().hex[:6]}"
    env = {"AGENT_NAME": agent_name, "DRAIN_TIMEOUT_SECONDS": "10"}
    with agent_on(stack, tmp_path, extra_env=env):
        yield agent_name


async def test_dispatched_agent_talks_records_and_takes_files(
    stack: Stack, worker: str, tmp_path: Path
) -> None:
    agent_name, livekit, live_api = worker, stack.livekit, stack.api
    room_name = f"e2e-{uuid.uuid4().hex[:8]}"
    async with api.LiveKitAPI(livekit.http_url, DEV_LIVEKIT_KEY, DEV_LIVEKIT_SECRET) as lk:
        await lk.room.create_room(api.CreateRoomRequest(name=room_name))
        await lk.agent_dispatch.create_dispatch(
            api.CreateAgentDispatchRequest(agent_name=agent_name, room=room_name)
        )
    token = join_token(room_name, "user-1")
    speech, rate = speech_frames("Tell me the time.")
    mic = PacedMicrophone(rate)
    room = rtc.Room()
    await room.connect(livekit.ws_url, token)
    session_id = await room.sid
    source = rtc.AudioSource(rate, 1)
    track = rtc.LocalAudioTrack.create_audio_track("mic", source)
    await room.local_participant.publish_track(
        track, rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)
    )

    async def feed() -> None:
        async for frame in mic:
            await source.capture_frame(frame)

    feeder = asyncio.create_task(feed())
    client = httpx.AsyncClient(
        base_url=live_api.base_url, headers={"x-api-key": live_api.api_key}, timeout=10
    )

    async def transcript() -> list[dict[str, Any]]:
        resp = await client.get(f"/api/sessions/{session_id}/transcript", params={"limit": 100})
        return list(resp.json().get("items", [])) if resp.status_code == 200 else []

    async def has(role: str, needle: str) -> bool:
        return any(s["role"] == role and needle in s["text"] for s in await transcript())

    try:
        await wait_for(
            lambda: any(
                p.kind == rtc.ParticipantKind.PARTICIPANT_KIND_AGENT
                for p in room.remote_participants.values()
            ),
            timeout=30,
            what="the agent joining",
        )
        await wait_for(lambda: has("assistant", "offline"), timeout=30, what="the greeting")
        mic.say(speech)
        await wait_for(lambda: has("user", "the time"), timeout=30, what="user turn")
        await wait_for(lambda: has("assistant", "UTC"), timeout=30, what="the time answer")

        notes = tmp_path / "notes.txt"
        notes.write_text("The pilot starts on the ninth of June.\n")
        await room.local_participant.send_file(str(notes), topic="files")

        async def ready_upload() -> bool:
            resp = await client.get(f"/api/sessions/{session_id}/uploads")
            items = resp.json().get("items", []) if resp.status_code == 200 else []
            return any(u["filename"] == "notes.txt" and u["status"] == "ready" for u in items)

        await wait_for(ready_upload, timeout=30, what="the file stored and processed")

        async def events() -> set[str]:
            resp = await client.get(f"/api/sessions/{session_id}/events")
            return (
                {e["type"] for e in resp.json().get("items", [])}
                if resp.status_code == 200
                else set()
            )

        async def recorded() -> bool:
            return {"participant_connected", "track_subscribed", "document_added"} <= await events()

        try:
            await wait_for(recorded, timeout=20, what="lifecycle events")
        except AssertionError as e:
            raise AssertionError(f"{e}: recorded {sorted(await events())}") from None
    finally:
        feeder.cancel()
        await room.disconnect()
        await client.aclose()
    turns = [s["turnIndex"] for s in await _fresh_transcript(live_api, session_id)]
    assert turns == sorted(turns) and len(turns) == len(set(turns))


async def _fresh_transcript(live_api: ApiProcess, session_id: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(
        base_url=live_api.base_url, headers={"x-api-key": live_api.api_key}, timeout=10
    ) as client:
        resp = await client.get(f"/api/sessions/{session_id}/transcript", params={"limit": 100})
    return list(resp.json()["items"])
