"""One caller on the line: joins a room through the API's token route, publishes a
microphone and listens to the agent."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field

import httpx
from livekit import rtc

from harness.caller.audio import SAMPLE_RATE, keep_silence, speak, synthesize
from harness.caller.ear import AgentEar, wait_for_quiet

REPLY_TIMEOUT_S = 30.0


@dataclass
class Caller:
    """A microphone that sends speech or silence, and an ear on the agent."""

    room: rtc.Room
    source: rtc.AudioSource
    ear: AgentEar
    token: dict[str, str]
    listeners: set[asyncio.Task[None]] = field(default_factory=set)
    agents_heard: list[str] = field(default_factory=list)
    """Identities of the agents whose audio the caller subscribed to, in order."""
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

    async def hear_reply(self, timeout: float = REPLY_TIMEOUT_S) -> None:
        """Wait for the agent to start speaking and then to finish."""
        await asyncio.wait_for(self.ear.started.wait(), timeout)
        await wait_for_quiet(self.ear, timeout)

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


async def join(api_url: str, api_key: str) -> Caller:
    """Mint a token as an integrator, join its room and publish a microphone."""
    async with httpx.AsyncClient(base_url=api_url, timeout=10) as client:
        resp = await client.post(
            "/api/token",
            json={"participantName": f"caller-{uuid.uuid4().hex[:6]}"},
            headers={"x-api-key": api_key},
        )
        resp.raise_for_status()
        token: dict[str, str] = resp.json()
    room = rtc.Room()
    caller = Caller(room, rtc.AudioSource(SAMPLE_RATE, 1), AgentEar(), token)

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
    return caller
