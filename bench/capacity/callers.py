"""Cheap synthetic callers: many calls from one process, speech framed once.

A caller joins through the API (``POST /api/token`` dispatches the agent), waits for the
greeting, then says its sentences one by one over real WebRTC and times each spoken
reply. What keeps hundreds of calls per core possible on the callers' side:

- each sentence becomes 20 ms ``AudioFrame`` objects once, shared by every call;
- a microphone task per call pushes those frames, paced by the audio source's own
  queue, and nothing between sentences: the source's native clock then feeds WebRTC
  silence by itself (50 pushes a second per call less on the callers' core);
- the ear listens at 16 kHz in 20 ms frames and tests one peak per frame.

Voice-to-voice is timed from the moment the caller's last voiced frame leaves its
source (push time plus what was still queued ahead of it) to the first voiced frame
of the reply it hears.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx
import numpy as np
from livekit import rtc

from harness.caller.audio import synthesize

SEND_RATE = 48_000
FRAME_MS = 20
HEAR_RATE = 16_000
VOICED_PEAK = 1_000
"""int16 peak above which a frame counts as voiced, both ways."""
REPLY_QUIET_S = 0.5
"""A reply is over after this much silence (the fake TTS speaks one tone)."""
QUEUE_MS = 200
"""The microphone's queue: short, so a frame's send time is known closely."""


@dataclass(frozen=True)
class Utterance:
    """One sentence as ready-made frames."""

    text: str
    frames: tuple[rtc.AudioFrame, ...]
    voiced_until: int
    """Index after the last voiced frame."""


def voiced_until(pcm: np.ndarray, frame: int) -> int:
    """Index after the last ``frame``-sample chunk of ``pcm`` that peaks above
    ``VOICED_PEAK``: where a caller's speech ends, in frames."""
    voiced = [
        i
        for i, start in enumerate(range(0, len(pcm), frame))
        if int(np.abs(pcm[start : start + frame]).max()) > VOICED_PEAK
    ]
    return (voiced[-1] + 1) if voiced else 0


def utterance(text: str) -> Utterance:
    pcm = synthesize(text)
    size = SEND_RATE * FRAME_MS // 1000
    frames = []
    for start in range(0, len(pcm), size):
        chunk = np.zeros(size, dtype=np.int16)
        piece = pcm[start : start + size]
        chunk[: len(piece)] = piece
        frames.append(rtc.AudioFrame(chunk.tobytes(), SEND_RATE, 1, size))
    return Utterance(text, tuple(frames), voiced_until(pcm, size))


@dataclass
class Turn:
    said: str
    spoke_until: float
    reply_at: float | None = None

    @property
    def v2v_ms(self) -> float | None:
        return None if self.reply_at is None else (self.reply_at - self.spoke_until) * 1000

    @property
    def ok(self) -> bool:
        """A reply came, and not before the caller had finished speaking."""
        return self.reply_at is not None and self.reply_at > self.spoke_until


@dataclass
class CallOutcome:
    room: str = ""
    turns: list[Turn] = field(default_factory=list)
    error: str | None = None
    jitter_ms: float | None = None
    """Interarrival jitter of the agent's audio at the caller (Go callers only)."""
    mic_late_ms: float | None = None
    """The longest the caller's microphone woke behind its clock (Go callers only)."""
    unix_offset: float | None = None
    """Added to the turns' times, Unix time: what lines them up with the worker's log."""


class Microphone:
    """Says utterances when told (the source sends silence in between); returns when the
    last voiced frame has been handed to WebRTC."""

    def __init__(self, source: rtc.AudioSource) -> None:
        self._source = source
        self._queue: asyncio.Queue[tuple[Utterance, asyncio.Future[float]]] = asyncio.Queue()

    async def say(self, what: Utterance) -> float:
        done: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        await self._queue.put((what, done))
        return await done

    async def run(self) -> None:
        source = self._source
        while True:
            what, done = await self._queue.get()
            spoke_until = time.perf_counter()
            for i, frame in enumerate(what.frames):
                await source.capture_frame(frame)
                if i + 1 == what.voiced_until:
                    spoke_until = time.perf_counter() + source.queued_duration
            if not done.done():
                done.set_result(spoke_until)


class Ear:
    """Notes when the agent's voice starts and when it has been quiet for a while."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.started_at = 0.0
        self.last_voice = 0.0
        self.subscribed = asyncio.Event()

    async def listen(self, track: rtc.Track) -> None:
        self.subscribed.set()
        stream = rtc.AudioStream(
            track, sample_rate=HEAR_RATE, num_channels=1, frame_size_ms=FRAME_MS
        )
        async for event in stream:
            samples = np.frombuffer(event.frame.data, dtype=np.int16)
            if samples.size and int(np.abs(samples).max()) > VOICED_PEAK:
                now = time.perf_counter()
                if not self.started.is_set():
                    self.started_at = now
                    self.started.set()
                self.last_voice = now

    async def quiet(self, timeout: float) -> None:
        """Until the agent has been silent for ``REPLY_QUIET_S`` (bounded)."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if time.perf_counter() - self.last_voice > REPLY_QUIET_S:
                return
            await asyncio.sleep(0.05)


async def call(
    client: httpx.AsyncClient,
    api_key: str,
    sentences: list[Utterance],
    *,
    ready: Callable[[], Awaitable[None]],
    reply_timeout: float = 10.0,
) -> CallOutcome:
    """One call. ``ready`` is awaited once the greeting is over (the level's start line)."""
    outcome = CallOutcome(unix_offset=time.time() - time.perf_counter())
    resp = await client.post(
        "/api/token",
        json={"participantName": f"caller-{uuid.uuid4().hex[:6]}"},
        headers={"x-api-key": api_key},
    )
    resp.raise_for_status()
    token = resp.json()
    outcome.room = token["roomName"]
    room = rtc.Room()
    ear = Ear()
    tasks: set[asyncio.Task[None]] = set()

    @room.on("track_subscribed")
    def _on_track(track: rtc.Track, _pub: object, participant: rtc.RemoteParticipant) -> None:
        if (
            track.kind == rtc.TrackKind.KIND_AUDIO
            and participant.kind == rtc.ParticipantKind.PARTICIPANT_KIND_AGENT
        ):
            tasks.add(asyncio.ensure_future(ear.listen(track)))

    await room.connect(token["serverUrl"], token["participantToken"])
    try:
        source = rtc.AudioSource(SEND_RATE, 1, queue_size_ms=QUEUE_MS)
        track = rtc.LocalAudioTrack.create_audio_track("microphone", source)
        await room.local_participant.publish_track(
            track, rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)
        )
        mic = Microphone(source)
        tasks.add(asyncio.ensure_future(mic.run()))
        await asyncio.wait_for(ear.subscribed.wait(), 30)
        # the agent greets first: let the greeting start and end
        try:
            await asyncio.wait_for(ear.started.wait(), reply_timeout)
        except TimeoutError:
            pass
        await ear.quiet(reply_timeout)
        await ready()
        for sentence in sentences:
            ear.started.clear()
            turn = Turn(said=sentence.text, spoke_until=await mic.say(sentence))
            outcome.turns.append(turn)
            try:
                await asyncio.wait_for(ear.started.wait(), reply_timeout)
            except TimeoutError:
                continue
            turn.reply_at = ear.started_at
            await ear.quiet(reply_timeout)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await room.disconnect()
    return outcome
