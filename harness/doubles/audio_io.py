"""In-process audio I/O for an AgentSession: a paced microphone and a collecting speaker."""

from __future__ import annotations

import asyncio
import time

import numpy as np
from livekit import rtc
from livekit.agents.voice import io


class PacedMicrophone(io.AudioInput):
    """Plays queued utterances in real time, and silence in between (like a real mic)."""

    def __init__(self, sample_rate: int, *, frame_ms: int = 20, speed: float = 1.0) -> None:
        super().__init__(label="test-mic")
        self._rate = sample_rate
        self._step = sample_rate * frame_ms // 1000
        self._period = frame_ms / 1000 / speed
        self._pending: list[rtc.AudioFrame] = []
        self._next_at: float | None = None
        self._silence = np.zeros(self._step, dtype=np.int16).tobytes()

    def say(self, frames: list[rtc.AudioFrame]) -> None:
        self._pending.extend(frames)

    @property
    def speaking(self) -> bool:
        return bool(self._pending)

    async def __anext__(self) -> rtc.AudioFrame:
        now = time.monotonic()
        if self._next_at is None:
            self._next_at = now
        # pacing the audio clock, not waiting for a result
        if self._next_at > now:
            await asyncio.sleep(self._next_at - now)
        self._next_at += self._period
        if self._pending:
            return self._pending.pop(0)
        return rtc.AudioFrame(
            data=self._silence,
            sample_rate=self._rate,
            num_channels=1,
            samples_per_channel=self._step,
        )


class CollectingSpeaker(io.AudioOutput):
    """Keeps what the agent says; playback 'finishes' as soon as a segment is flushed."""

    def __init__(self) -> None:
        super().__init__(label="test-speaker", capabilities=io.AudioOutputCapabilities(pause=False))
        self.frames: list[rtc.AudioFrame] = []
        self._segment_duration = 0.0

    async def capture_frame(self, frame: rtc.AudioFrame) -> None:
        await super().capture_frame(frame)
        if not self._segment_duration:
            self.on_playback_started(created_at=time.time())
        self._segment_duration += frame.duration
        self.frames.append(frame)

    def flush(self) -> None:
        super().flush()
        duration, self._segment_duration = self._segment_duration, 0.0
        self.on_playback_finished(playback_position=duration, interrupted=False)

    def clear_buffer(self) -> None:
        duration, self._segment_duration = self._segment_duration, 0.0
        self.on_playback_finished(playback_position=duration, interrupted=True)

    @property
    def seconds(self) -> float:
        return sum(f.duration for f in self.frames)
