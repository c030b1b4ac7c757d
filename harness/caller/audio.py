"""The caller's microphone: speech in the caller's natural voice (Festival's HTS voice,
``harness.caller.voice``) at 48 kHz, sent in real time over a LiveKit audio source, with
silence between sentences."""

from __future__ import annotations

import asyncio
import functools
import time

import numpy as np
from livekit import rtc

from harness.caller import voice

SAMPLE_RATE = 48_000
FRAME_MS = 10
FRAME_SAMPLES = SAMPLE_RATE * FRAME_MS // 1000
SPEECH_RMS = 300.0  # int16 RMS above which a 10 ms frame counts as speech


@functools.lru_cache(maxsize=64)
def synthesize(text: str) -> np.ndarray:
    """``text`` in the caller's voice as 48 kHz mono int16 (cached, read-only)."""
    pcm, rate = voice.speak(text)
    resampler = rtc.AudioResampler(rate, SAMPLE_RATE, quality=rtc.AudioResamplerQuality.HIGH)
    frames = resampler.push(bytearray(pcm.tobytes())) + resampler.flush()
    speech = np.concatenate([np.frombuffer(bytes(f.data), dtype=np.int16) for f in frames])
    speech.setflags(write=False)
    return speech


def is_voiced(samples: np.ndarray) -> bool:
    """Whether a frame of int16 samples is louder than ``SPEECH_RMS``."""
    floats = samples.astype(np.float32)
    return bool(floats.size) and float(np.sqrt(np.mean(floats**2))) > SPEECH_RMS


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
