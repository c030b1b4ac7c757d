"""Voice-to-voice on the realtime path, and what of it is Parley's own.

N spoken turns (the caller's natural voice over room noise, paced in real time) go
through the agent's realtime pipeline (``ParleySession`` on the ``openai`` client) to the
realtime double in its own process, which hears with Whisper, decides with the offline
responder and speaks with Piper. ``time.perf_counter`` is one monotonic clock for every
process on Linux, so the double's timeline splits each turn:

    in     end of the caller's speech -> the double's speech_stopped (its VAD's 500 ms of
           silence, the client's 100 ms audio chunks, Parley's audio path in)
    model  speech_stopped -> the double's first audio delta (transcription, reply,
           synthesis and ``--model-latency``: the model's own time)
    out    first audio delta -> the agent's first frame at its audio output: Parley's
           own overhead on the way back, the part the agent adds to any realtime model

It also notes the CPU this process spends during the turns (the agent's session, plus the
paced microphone, the collecting speaker and the fake API, which are the same for any
agent change): a realtime call runs no local VAD, so this is mostly livekit's audio path.

Then the cascaded pipeline runs the same number of turns with fixed-latency providers
(``bench.agent_overhead``) for its orchestration overhead.

    .venv/bin/python -m bench.realtime_overhead [turns] [--model-latency SECONDS]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from livekit import rtc
from livekit.agents import utils

from bench import agent_overhead
from bench.agent_overhead import pct
from harness.caller.audio import is_voiced
from harness.caller.voice import OPEN_SENTENCES, caller_frames, frames_of, pad, speak
from harness.doubles import FakeParleyApi, serve
from harness.doubles.audio_io import CollectingSpeaker, PacedMicrophone
from harness.realtime_helpers import realtime_call, realtime_settings
from harness.realtime_server import start_realtime_server
from harness.waiting import wait_for

SERVER_SILENCE_MS = 500


class StampedMicrophone(PacedMicrophone):
    """Notes when the last voiced frame of each utterance leaves the microphone."""

    def __init__(self, sample_rate: int, **options: float) -> None:
        super().__init__(sample_rate, **options)  # type: ignore[arg-type]
        self.ends: list[float] = []
        self._until_end = 0
        """Utterance frames still to go out up to and including the last voiced one."""

    def say_sentence(self, sentence: str, seed: int) -> None:
        """``sentence`` over room noise; its end is placed on the clean speech (the noise
        has clicks louder than a quiet syllable)."""
        pcm, rate = speak(sentence)
        clean = frames_of(pad(pcm, rate), rate)
        voiced = [i for i, f in enumerate(clean) if is_voiced(np.frombuffer(f.data, np.int16))]
        self._until_end = len(self._pending) + voiced[-1] + 1
        self.say(caller_frames(sentence, snr_db=20, seed=seed))

    async def __anext__(self) -> rtc.AudioFrame:
        speech = self.speaking
        frame = await super().__anext__()
        if speech and self._until_end > 0:
            self._until_end -= 1
            if self._until_end == 0:
                self.ends.append(time.perf_counter())
        return frame


class StampedSpeaker(CollectingSpeaker):
    """Notes when each reply's first frame reaches the agent's audio output."""

    def __init__(self) -> None:
        super().__init__()
        self.starts: list[float] = []
        self._open = False

    async def capture_frame(self, frame: rtc.AudioFrame) -> None:
        if not self._open:
            self.starts.append(time.perf_counter())
            self._open = True
        await super().capture_frame(frame)

    def flush(self) -> None:
        self._open = False
        super().flush()


def _at_least(stamps: list[float], count: int) -> Callable[[], bool]:
    return lambda: len(stamps) >= count


def _first_after(events: list[tuple[float, str]], kind: str, after: float) -> float | None:
    return next((t for t, name in events if name == kind and t > after), None)


def _cpu_seconds() -> float:
    """CPU time of this process (every thread, not the double's process)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _talk(url: str, turns: int) -> tuple[StampedMicrophone, StampedSpeaker, float, float]:
    """``turns`` spoken turns through the agent to the double at ``url``; also the CPU
    seconds this process spent during them, and their wall-clock seconds."""
    for turn in range(turns):  # the caller's voice is synthesised before the clock starts
        speak(OPEN_SENTENCES[turn % len(OPEN_SENTENCES)])
    api = FakeParleyApi()
    async with utils.http_context.open(), serve(api.app()) as api_url:
        cfg = realtime_settings(url, "openai")
        async with realtime_call(
            api_url, cfg, microphone=StampedMicrophone, speaker=StampedSpeaker
        ) as call:
            mic, speaker = call.mic, call.speaker
            assert isinstance(mic, StampedMicrophone) and isinstance(speaker, StampedSpeaker)
            cpu, wall = _cpu_seconds(), time.perf_counter()
            for turn in range(turns):
                sentence = OPEN_SENTENCES[turn % len(OPEN_SENTENCES)]
                mic.say_sentence(sentence, seed=turn)
                await wait_for(_at_least(speaker.starts, turn + 1), 60, f"reply {turn + 1}")
                await wait_for(lambda: not mic.speaking, 10, "the caller to finish")
            cpu, wall = _cpu_seconds() - cpu, time.perf_counter() - wall
    return mic, speaker, cpu, wall


async def realtime(turns: int, model_latency: float) -> None:
    # the double in its own process, as a service is: in this one, its VAD, Whisper and
    # Piper would compete with the agent for the interpreter and distort both
    work = Path(tempfile.mkdtemp(prefix="realtime-bench-"))
    timeline = work / "timeline.txt"
    options = ("--reply-delay", str(model_latency), "--timeline", str(timeline))
    server, url = start_realtime_server(work, "realtime", *options)
    try:
        mic, speaker, cpu, wall = await _talk(url, turns)
    finally:
        server.stop()
    sent = [
        (float(at), kind) for at, kind in (ln.split() for ln in timeline.read_text().splitlines())
    ]
    rows = []
    for end in mic.ends:
        stopped = _first_after(sent, "input_audio_buffer.speech_stopped", end)
        delta = stopped and _first_after(sent, "response.output_audio.delta", stopped)
        heard_at = delta and next((t for t in speaker.starts if t > delta), None)
        if stopped and delta and heard_at:
            rows.append((end, stopped, delta, heard_at))
        else:
            print(f"turn ending at {end:.3f}: no reply measured")
    v2v = [(h - e) * 1000 for e, _, _, h in rows]
    inbound = [(s - e) * 1000 for e, s, _, _ in rows]
    model = [(d - s) * 1000 for _, s, d, _ in rows]
    out = [(h - d) * 1000 for _, _, d, h in rows]
    print("realtime path (openai client, the double in its own process)")
    print(f"turns measured      {len(rows)}")
    for name, values in (("voice-to-voice", v2v), ("in", inbound), ("model", model)):
        print(f"{name:<19} p50 {pct(values, 0.5):.0f} ms  p95 {pct(values, 0.95):.0f} ms")
    print(
        f"{'in - vad silence':<19} p50 {pct(inbound, 0.5) - SERVER_SILENCE_MS:.0f} ms  "
        f"p95 {pct(inbound, 0.95) - SERVER_SILENCE_MS:.0f} ms  (chunking + VAD frames + Parley)"
    )
    print(
        f"{'agent cpu':<19} {cpu * 1000 / max(1, turns):.0f} ms per turn, "
        f"{cpu / wall * 100:.1f}% of a core over {wall:.0f} s"
    )
    print(
        f"{'out (Parley)':<19} p50 {pct(out, 0.5):.1f} ms  p95 {pct(out, 0.95):.1f} ms"
        "  (target p95 <= 30 ms)"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("turns", nargs="?", type=int, default=20)
    parser.add_argument("--model-latency", type=float, default=0.3)
    args = parser.parse_args()
    await realtime(args.turns, args.model_latency)
    print("\ncascaded path (fixed-latency providers, bench.agent_overhead)")
    await agent_overhead.run(args.turns)


if __name__ == "__main__":
    asyncio.run(main())
