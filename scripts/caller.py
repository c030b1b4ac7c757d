"""A synthetic caller: joins a room through the API, speaks eSpeak sentences over real
WebRTC, waits for each spoken reply and reports voice-to-voice latency per turn.

    .venv/bin/python -m scripts.caller --api http://127.0.0.1:7071 --key dev-api-key

Exit 0 only when every turn got a spoken reply and the transcript read back from the
API holds every turn.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import subprocess
import sys
import tempfile
import time
import uuid
import wave
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
from livekit import rtc

SAMPLE_RATE = 48_000
FRAME_MS = 10
FRAME_SAMPLES = SAMPLE_RATE * FRAME_MS // 1000
SPEECH_RMS = 300.0  # int16 RMS above which a 10 ms frame counts as speech
REPLY_SILENCE_S = 1.2  # the reply is over after this much silence
DEFAULT_SENTENCES = ["hello there", "what time is it", "thank you goodbye"]


@dataclass
class Turn:
    said: str
    spoke_until: float
    reply_started: float | None = None
    reply_ended: float | None = None

    @property
    def latency_ms(self) -> float | None:
        if self.reply_started is None:
            return None
        return (self.reply_started - self.spoke_until) * 1000


@dataclass
class CallResult:
    session_id: str
    room: str
    turns: list[Turn] = field(default_factory=list)
    transcript: list[dict[str, object]] = field(default_factory=list)

    @property
    def all_replied(self) -> bool:
        return all(t.reply_started is not None for t in self.turns)


@functools.lru_cache(maxsize=64)
def synthesize(text: str) -> np.ndarray:
    """eSpeak NG speech as 48 kHz mono int16 (cached, read-only)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "say.wav"
        subprocess.run(["espeak-ng", "-s", "150", "-w", str(path), text], check=True, timeout=30)
        with wave.open(str(path)) as wav:
            rate = wav.getframerate()
            pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16)
    positions = np.arange(0, len(pcm), rate / SAMPLE_RATE)
    speech = np.interp(positions, np.arange(len(pcm)), pcm).astype(np.int16)
    speech.setflags(write=False)
    return speech


def is_voiced(samples: np.ndarray) -> bool:
    """Whether a frame of int16 samples is louder than ``SPEECH_RMS``."""
    floats = samples.astype(np.float32)
    return bool(floats.size) and float(np.sqrt(np.mean(floats**2))) > SPEECH_RMS


class AgentEar:
    """Listens to the agent's audio and notes when speech starts and stops."""

    def __init__(self) -> None:
        self.speaking = False
        self.last_voice = 0.0
        self.started = asyncio.Event()
        self.started_at = 0.0
        self.track_ready = asyncio.Event()

    async def listen(self, track: rtc.Track) -> None:
        self.track_ready.set()
        stream = rtc.AudioStream(track, sample_rate=SAMPLE_RATE, num_channels=1)
        async for event in stream:
            now = time.perf_counter()
            if is_voiced(np.frombuffer(event.frame.data, dtype=np.int16)):
                if not self.speaking:
                    self.speaking = True
                    self.started_at = now
                    self.started.set()
                self.last_voice = now
            elif self.speaking and now - self.last_voice > REPLY_SILENCE_S:
                self.speaking = False

    def reset(self) -> None:
        self.started.clear()


async def speak(source: rtc.AudioSource, pcm: np.ndarray) -> float:
    """Send speech in real time; returns when the last voiced frame leaves the source.

    ``capture_frame`` returns as soon as a frame is queued, and the source's queue holds
    up to a second of audio (kept full by the silence between sentences): the frame is
    sent ``queued_duration`` later, which is when a microphone would have captured it.
    """
    last_voiced = time.perf_counter()
    for start in range(0, len(pcm), FRAME_SAMPLES):
        chunk = pcm[start : start + FRAME_SAMPLES]
        if len(chunk) < FRAME_SAMPLES:
            chunk = np.pad(chunk, (0, FRAME_SAMPLES - len(chunk)))
        frame = rtc.AudioFrame(chunk.tobytes(), SAMPLE_RATE, 1, FRAME_SAMPLES)
        await source.capture_frame(frame)
        if is_voiced(chunk):
            last_voiced = time.perf_counter() + source.queued_duration
    return last_voiced


async def keep_silence(source: rtc.AudioSource, stop: asyncio.Event) -> None:
    """Between sentences a microphone sends silence, not nothing."""
    silence = rtc.AudioFrame(bytes(FRAME_SAMPLES * 2), SAMPLE_RATE, 1, FRAME_SAMPLES)
    while not stop.is_set():
        await source.capture_frame(silence)


async def call(
    api_url: str,
    api_key: str,
    sentences: list[str],
    reply_timeout: float,
    *,
    before_speaking: Callable[[], Awaitable[None]] | None = None,
    read_back: bool = True,
) -> CallResult:
    """One call: join, let the agent greet, say each sentence and wait for its reply.

    ``before_speaking`` is awaited after the greeting (to line up concurrent callers);
    ``read_back=False`` skips reading the transcript back from the API afterwards.
    """
    headers = {"x-api-key": api_key}
    async with httpx.AsyncClient(base_url=api_url, timeout=10) as client:
        resp = await client.post(
            "/api/token",
            json={"participantName": f"caller-{uuid.uuid4().hex[:6]}"},
            headers=headers,
        )
        resp.raise_for_status()
        token = resp.json()
        room = rtc.Room()
        ear = AgentEar()
        listeners: set[asyncio.Task[None]] = set()

        @room.on("track_subscribed")
        def _on_track(track: rtc.Track, _pub: object, participant: rtc.RemoteParticipant) -> None:
            if (
                track.kind == rtc.TrackKind.KIND_AUDIO
                and participant.kind == rtc.ParticipantKind.PARTICIPANT_KIND_AGENT
            ):
                task = asyncio.ensure_future(ear.listen(track))
                listeners.add(task)

        await room.connect(token["serverUrl"], token["participantToken"])
        session_id = await room.sid
        result = CallResult(session_id=session_id, room=token["roomName"])
        source = rtc.AudioSource(SAMPLE_RATE, 1)
        track = rtc.LocalAudioTrack.create_audio_track("microphone", source)
        await room.local_participant.publish_track(
            track, rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)
        )
        try:
            await asyncio.wait_for(ear.track_ready.wait(), 30)
            # The agent greets first: let the greeting start and finish before speaking.
            try:
                await asyncio.wait_for(ear.started.wait(), reply_timeout)
            except TimeoutError:
                pass  # no greeting; the conversation can start right away
            await wait_for_quiet(ear, reply_timeout * 4)
            if before_speaking is not None:
                await before_speaking()
            for sentence in sentences:
                pcm = synthesize(sentence)
                ear.reset()
                spoke_until = await speak(source, pcm)
                turn = Turn(said=sentence, spoke_until=spoke_until)
                result.turns.append(turn)
                stop = asyncio.Event()
                filler = asyncio.ensure_future(keep_silence(source, stop))
                try:
                    await asyncio.wait_for(ear.started.wait(), reply_timeout)
                    turn.reply_started = ear.started_at
                    await wait_for_quiet(ear, reply_timeout * 4)
                    turn.reply_ended = ear.last_voice
                except TimeoutError:
                    pass
                finally:
                    stop.set()
                    await filler
        finally:
            await room.disconnect()
            for task in listeners:
                task.cancel()
        if read_back:
            result.transcript = await read_transcript(client, headers, session_id, len(sentences))
    return result


async def wait_for_quiet(ear: AgentEar, timeout: float) -> None:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if not ear.speaking and time.perf_counter() - ear.last_voice > REPLY_SILENCE_S:
            return
        await asyncio.sleep(0.05)


async def read_transcript(
    client: httpx.AsyncClient, headers: dict[str, str], session_id: str, turns: int
) -> list[dict[str, object]]:
    """Poll (bounded) until the agent's background sender has delivered every turn."""
    deadline = time.monotonic() + 30
    items: list[dict[str, object]] = []
    while time.monotonic() < deadline:
        resp = await client.get(
            f"/api/sessions/{session_id}/transcript", params={"limit": 1000}, headers=headers
        )
        if resp.status_code == 200:
            items = resp.json()["items"]
            roles = [i["role"] for i in items]
            if roles.count("user") >= turns and roles.count("assistant") >= turns:
                break
        await asyncio.sleep(0.5)
    return items


def report(result: CallResult) -> bool:
    print(f"session {result.session_id} in room {result.room}")
    for i, turn in enumerate(result.turns):
        latency = f"{turn.latency_ms:7.0f} ms" if turn.latency_ms is not None else "  no reply"
        print(f"  turn {i}: said {turn.said!r:<28} voice-to-voice {latency}")
    print("transcript:")
    for item in result.transcript:
        print(f"  [{item['turnIndex']}] {item['role']:>9}: {item['text']}")
    roles = [i["role"] for i in result.transcript]
    complete = roles.count("user") >= len(result.turns) and roles.count("assistant") >= len(
        result.turns
    )
    ok = result.all_replied and complete
    print(
        "OK"
        if ok
        else "FAILED: " + ("missing replies" if not result.all_replied else "transcript incomplete")
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--api", default="http://127.0.0.1:7071")
    parser.add_argument("--key", default="dev-api-key")
    parser.add_argument("--reply-timeout", type=float, default=15.0)
    parser.add_argument("--json", action="store_true", help="print the result as JSON too")
    parser.add_argument("sentences", nargs="*", default=DEFAULT_SENTENCES)
    args = parser.parse_args()
    result = asyncio.run(call(args.api, args.key, args.sentences, args.reply_timeout))
    ok = report(result)
    if args.json:
        print(json.dumps({"latencies_ms": [t.latency_ms for t in result.turns]}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
