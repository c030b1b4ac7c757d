"""The caller's ear: when the agent's speech starts and when it has stopped."""

from __future__ import annotations

import asyncio
import time

import numpy as np
from livekit import rtc

from harness.caller.audio import SAMPLE_RATE, is_voiced

REPLY_SILENCE_S = 1.2  # the reply is over after this much silence


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


async def wait_for_quiet(ear: AgentEar, timeout: float) -> None:
    """Until the agent has been silent for ``REPLY_SILENCE_S`` (or ``timeout`` passed)."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if not ear.speaking and time.perf_counter() - ear.last_voice > REPLY_SILENCE_S:
            return
        await asyncio.sleep(0.05)
