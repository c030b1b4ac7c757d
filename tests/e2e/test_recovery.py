"""Recovery: the worker serving a call is killed with SIGKILL in the middle of a reply.

A self-hosted LiveKit server does not re-dispatch a job whose worker died, so Parley does:
the API sees the agent leave while the caller stays and dispatches again; the surviving
worker restores the conversation from Redis. The call goes on, with its history, and the
transcript keeps every turn.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from livekit import rtc

from scripts.caller import (
    SAMPLE_RATE,
    AgentEar,
    keep_silence,
    read_transcript,
    speak,
    synthesize,
    wait_for_quiet,
)
from tests.e2e.conftest import Stack
from tests.support.agent import start_agent
from tests.support.processes import ManagedProcess
from tests.support.stack import start_redis

pytestmark = pytest.mark.e2e

BEFORE = "hello there"
INTERRUPTED = "please tell me a story"
AFTER = "what did i ask"
RESUME_WITHIN_S = 5.0
REPLY_TIMEOUT_S = 30.0


@dataclass
class Workers:
    procs: list[ManagedProcess]
    redis_url: str

    def serving(self, room: str) -> ManagedProcess:
        """The worker whose log shows it took the job for ``room``."""
        found = [p for p in self.procs if p.proc is not None and room in _log(p)]
        assert len(found) == 1, f"expected one worker serving {room}, found {len(found)}"
        return found[0]


@pytest.fixture(scope="module")
def workers(stack: Stack, work_dir: Path) -> Iterator[Workers]:
    redis, port = start_redis(work_dir)
    redis_url = f"redis://127.0.0.1:{port}/0"
    procs: list[ManagedProcess] = []
    try:
        for name in ("agent-a", "agent-b"):
            procs.append(
                start_agent(
                    work_dir,
                    stack.livekit.ws_url,
                    stack.api.base_url,
                    stack.api.agent_key,
                    redis_url=redis_url,
                    name=name,
                    extra_env={"LOCAL_STT_PHRASES": "|".join([BEFORE, INTERRUPTED, AFTER])},
                )
            )
        yield Workers(procs, redis_url)
    finally:
        for proc in procs:
            proc.stop(timeout=30)
        redis.stop()


@dataclass
class Caller:
    """One caller in a room: a microphone that sends speech or silence, and an ear."""

    room: rtc.Room
    source: rtc.AudioSource
    ear: AgentEar
    listeners: set[asyncio.Task[None]] = field(default_factory=set)
    agents_heard: list[str] = field(default_factory=list)
    _stop_silence: asyncio.Event = field(default_factory=asyncio.Event)
    _silence: asyncio.Task[None] | None = None

    async def say(self, sentence: str) -> float:
        """Speak, then keep the line open with silence; returns when speech ended."""
        await self._end_silence()
        self.ear.reset()
        spoke_until = await speak(self.source, synthesize(sentence))
        self._stop_silence = asyncio.Event()
        self._silence = asyncio.ensure_future(keep_silence(self.source, self._stop_silence))
        return spoke_until

    async def hear_reply(self) -> None:
        """Wait for the agent to start speaking and then to finish."""
        await asyncio.wait_for(self.ear.started.wait(), REPLY_TIMEOUT_S)
        await wait_for_quiet(self.ear, REPLY_TIMEOUT_S)

    async def hang_up(self) -> None:
        await self._end_silence()
        await self.room.disconnect()
        for task in self.listeners:
            task.cancel()

    async def _end_silence(self) -> None:
        self._stop_silence.set()
        if self._silence is not None:
            await self._silence
            self._silence = None


async def _join(api_url: str, api_key: str) -> tuple[Caller, dict[str, str]]:
    async with httpx.AsyncClient(base_url=api_url, timeout=10) as client:
        resp = await client.post(
            "/api/token",
            json={"participantName": f"caller-{uuid.uuid4().hex[:6]}"},
            headers={"x-api-key": api_key},
        )
        resp.raise_for_status()
        token: dict[str, str] = resp.json()
    room = rtc.Room()
    caller = Caller(room=room, source=rtc.AudioSource(SAMPLE_RATE, 1), ear=AgentEar())

    @room.on("track_subscribed")
    def _on_track(track: rtc.Track, _pub: object, participant: rtc.RemoteParticipant) -> None:
        if (
            track.kind == rtc.TrackKind.KIND_AUDIO
            and participant.kind == rtc.ParticipantKind.PARTICIPANT_KIND_AGENT
        ):
            caller.agents_heard.append(participant.identity)
            caller.listeners.add(asyncio.ensure_future(caller.ear.listen(track)))

    await room.connect(token["serverUrl"], token["participantToken"])
    track = rtc.LocalAudioTrack.create_audio_track("microphone", caller.source)
    await room.local_participant.publish_track(
        track, rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)
    )
    return caller, token


async def test_a_killed_agent_is_replaced_and_the_call_goes_on_with_its_history(
    stack: Stack, workers: Workers
) -> None:
    caller, token = await _join(stack.api.base_url, stack.api.api_key)
    session_id = await caller.room.sid
    try:
        ear = caller.ear
        await caller.hear_reply()  # the greeting

        # a first turn with the first agent
        await caller.say(BEFORE)
        await caller.hear_reply()

        # the second turn: kill the serving worker as soon as its reply is heard
        serving = workers.serving(token["roomName"])
        survivor = next(p for p in workers.procs if p is not serving)
        await caller.say(INTERRUPTED)
        await asyncio.wait_for(ear.started.wait(), REPLY_TIMEOUT_S)
        first_agent = caller.agents_heard[-1]
        ear.reset()
        serving.kill()
        killed_at = time.perf_counter()

        # the replacement announces itself: that is the call resuming
        await asyncio.wait_for(ear.started.wait(), REPLY_TIMEOUT_S)
        resumed_after = ear.started_at - killed_at
        assert caller.agents_heard[-1] != first_agent
        assert resumed_after <= RESUME_WITHIN_S, (
            f"the call resumed {resumed_after:.1f} s after the kill\n{survivor.tail(60)}"
        )
        await wait_for_quiet(ear, REPLY_TIMEOUT_S)

        # the new agent knows what was said to the old one
        await caller.say(AFTER)
        await caller.hear_reply()
    finally:
        await caller.hang_up()

    async with httpx.AsyncClient(base_url=stack.api.base_url, timeout=10) as client:
        transcript = await read_transcript(
            client, {"x-api-key": stack.api.api_key}, session_id, turns=3
        )
    print(f"resumed {resumed_after * 1000:.0f} ms after the kill")
    users = [str(t["text"]) for t in transcript if t["role"] == "user"]
    replies = [str(t["text"]) for t in transcript if t["role"] == "assistant"]
    # Offline recognition of synthetic speech can slip a word on a loaded machine, so the
    # checks are about what each agent heard, not about the recogniser's accuracy.
    assert len(users) == 3, transcript
    heard_by_dead_agent = users[1]
    assert heard_by_dead_agent, transcript
    # the replacement quotes what only the dead agent heard: the context survived
    assert f"Before that you said: {heard_by_dead_agent}" in replies, (
        transcript,
        survivor.tail(60),
    )
    ids = [str(t["id"]) for t in transcript]
    assert len(ids) == len(set(ids))
    indexes = [int(str(t["turnIndex"])) for t in transcript]
    assert indexes == sorted(set(indexes)), "no turn index is reused after the restore"


def _log(proc: ManagedProcess) -> str:
    try:
        return proc.log_path.read_text(errors="replace")
    except OSError:
        return ""
