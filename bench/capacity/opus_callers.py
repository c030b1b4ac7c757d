"""The capacity benchmark's callers as one Go process (``bench/capacity/gocallers``).

The speech is Opus-encoded here once (PyAV's libopus, which livekit-agents already
installs), over the room noise of a laptop microphone that also fills the pauses
between sentences (``harness.caller.voice.room_noise``, ``SNR_DB`` below the speech):
the agent decodes and scores what a real microphone sends, not digital silence. The
noise is steady (air, fans, hum), without the clicks of keys: a click just after a
sentence can hold the end of turn open at any load, a random delay that would blur
the one this benchmark measures (the delay load adds).

The Go process only sends those packets and reads the agent's RTP: no encoder,
decoder or resampler per call, so the stack core has room for many more calls than
``bench.capacity.callers`` (livekit.rtc) leaves it. The turns it reports use the same
shapes (``CallOutcome``, ``Turn``) and rules.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import numpy as np

from bench.capacity.callers import CallOutcome, Turn, voiced_until
from harness.caller.audio import synthesize
from harness.caller.voice import room_noise

ROOT = Path(__file__).resolve().parents[2]
BINARY = ROOT / ".tools" / "bin" / "parley-callers"
RATE = 48_000
FRAME = RATE // 50
"""Samples per 20 ms packet."""
VOICED_BYTES = 20
"""An Opus payload above this many bytes carries sound: the agent's track sends silence
as DTX packets of 1 to 3 bytes, its replies in 53 to 192 (measured)."""
SNR_DB = 20.0
"""Speech over room noise: a laptop microphone in a quiet room."""
NOISE_LOOP_S = 3.0
"""The room noise between sentences: this long, encoded once, cycled."""
REPLY_TIMEOUT_S = 10.0
REPLY_QUIET_S = 0.5


@dataclass(frozen=True)
class OpusSentence:
    text: str
    packets: tuple[bytes, ...]
    voiced_until: int


@dataclass(frozen=True)
class OpusSpeech:
    """Every sentence, and the room noise the microphone sends between them."""

    sentences: list[OpusSentence]
    between: tuple[bytes, ...]


def _encoder() -> Any:
    codec = av.CodecContext.create("libopus", "w")
    codec.sample_rate = RATE
    codec.layout = "mono"
    codec.format = "s16"
    codec.bit_rate = 32_000
    codec.options = {"application": "voip", "frame_duration": "20"}
    return codec


def _encode(pcm: np.ndarray) -> list[bytes]:
    """20 ms Opus packets of int16 mono 48 kHz ``pcm`` (padded to whole packets)."""
    codec = _encoder()
    padded = np.zeros(-(-len(pcm) // FRAME) * FRAME, dtype=np.int16)
    padded[: len(pcm)] = pcm
    packets: list[bytes] = []
    for start in range(0, len(padded), FRAME):
        chunk = av.AudioFrame.from_ndarray(
            padded[start : start + FRAME].reshape(1, -1), format="s16", layout="mono"
        )
        chunk.sample_rate = RATE
        chunk.pts = start
        packets += [bytes(p) for p in codec.encode(chunk)]
    packets += [bytes(p) for p in codec.encode(None)]
    return packets


def speech(texts: list[str]) -> OpusSpeech:
    """The sentences in the caller's voice over room noise at ``SNR_DB``, the noise
    level set once from the loudest sentence's speech power."""
    clean = [synthesize(text).astype(np.float64) for text in texts]
    power = max(float(np.mean(pcm[np.abs(pcm) > 0.02 * np.abs(pcm).max()] ** 2)) for pcm in clean)
    noise_rms = np.sqrt(power / 10 ** (SNR_DB / 10))

    def noisy(pcm: np.ndarray, seed: int) -> np.ndarray:
        noise = room_noise(len(pcm), RATE, seed=seed, clicks=False) * noise_rms
        return np.asarray(np.clip(pcm + noise, -32768, 32767), dtype=np.int16)

    sentences = [
        OpusSentence(text, tuple(_encode(noisy(pcm, seed=i))), voiced_until(pcm, FRAME))
        for i, (text, pcm) in enumerate(zip(texts, clean, strict=True))
    ]
    loop = noisy(np.zeros(int(NOISE_LOOP_S * RATE)), seed=len(texts))
    return OpusSpeech(sentences, tuple(_encode(loop)))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class OpusCallers:
    """One level's calls in the Go process: ``arrive()`` returns once every call has
    heard its greeting; ``run()`` releases them and returns their outcomes."""

    def __init__(
        self,
        api: str,
        api_key: str,
        speech: OpusSpeech,
        plans: list[list[int]],
        *,
        stagger_s: float,
        max_offset_s: float,
        arrive_s: float,
        seed: int,
        log: Path,
    ) -> None:
        self._spec = {
            "api": api,
            "api_key": api_key,
            "sentences": [
                {
                    "text": s.text,
                    "packets": [_b64(p) for p in s.packets],
                    "voiced_until": s.voiced_until,
                }
                for s in speech.sentences
            ],
            "between": [_b64(p) for p in speech.between],
            "plans": plans,
            "stagger_s": stagger_s,
            "max_offset_s": max_offset_s,
            "arrive_s": arrive_s,
            "reply_timeout_s": REPLY_TIMEOUT_S,
            "quiet_s": REPLY_QUIET_S,
            "voiced_bytes": VOICED_BYTES,
            "seed": seed,
        }
        longest = max(len(s.packets) for s in speech.sentences) * 0.02
        self._run_timeout = max(map(len, plans)) * (longest + 3 * REPLY_TIMEOUT_S) + 60
        self._arrive_timeout = arrive_s + 30
        self._log = log
        self._proc: asyncio.subprocess.Process | None = None

    async def arrive(self) -> None:
        """Starts the calls; returns once they are at the start line (or the deadline
        passed: calls that never arrived fail their turns)."""
        if not BINARY.exists():
            raise FileNotFoundError(f"{BINARY} is missing: run `make bench-capacity`")
        with self._log.open("ab") as log:
            self._proc = await asyncio.create_subprocess_exec(
                str(BINARY),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=log,
            )
        await self._send_and_read(json.dumps(self._spec), self._arrive_timeout)

    async def run(self) -> list[CallOutcome]:
        done = await self._send_and_read("go", self._run_timeout)
        return [_outcome(c) for c in done["calls"]]

    async def _send_and_read(self, line: str, timeout: float) -> dict[str, Any]:
        proc = self._proc
        assert proc is not None and proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(line.encode() + b"\n")
        await proc.stdin.drain()
        reply = await asyncio.wait_for(proc.stdout.readline(), timeout)
        if not reply:
            raise RuntimeError(f"the Go callers exited ({await proc.wait()}): see {self._log}")
        event: dict[str, Any] = json.loads(reply)
        return event

    async def close(self) -> None:
        proc = self._proc
        if proc is None or proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()


def _outcome(raw: dict[str, Any]) -> CallOutcome:
    turns = [Turn(t["said"], t["spoke_until"], t.get("reply_at")) for t in raw.get("turns") or []]
    return CallOutcome(
        room=raw.get("room", ""),
        turns=turns,
        error=raw.get("error") or None,
        jitter_ms=raw.get("jitter_ms") if raw.get("turns") else None,
        mic_late_ms=raw.get("mic_late_ms") if raw.get("turns") else None,
        unix_offset=raw.get("epoch_unix"),
    )


async def run_calls(
    callers: OpusCallers, before_release: Callable[[], Awaitable[None]]
) -> list[CallOutcome]:
    """Arrive, let the bench open its window, release, collect; the process never
    outlives the level."""
    try:
        await callers.arrive()
        await before_release()
        return await callers.run()
    finally:
        await callers.close()
