"""The VAD scores each window in place: same verdicts, no thread per call."""

from __future__ import annotations

import asyncio
import threading

import numpy as np
import pytest
from livekit import rtc
from livekit.agents import inference, vad

from agent_app.runtime.inline_executor import InlineExecutor
from harness.caller.audio import FRAME_SAMPLES, SAMPLE_RATE, synthesize


def test_submit_runs_at_once_and_keeps_errors_for_the_caller() -> None:
    executor = InlineExecutor()
    ran_on: list[int] = []

    def double(x: int) -> int:
        ran_on.append(threading.get_ident())
        return x * 2

    done = executor.submit(double, 21)
    assert done.done() and done.result() == 42
    assert ran_on == [threading.get_ident()]
    failed = executor.submit(int, "not a number")
    with pytest.raises(ValueError):
        failed.result()


async def test_run_in_executor_awaits_inline_results_and_errors() -> None:
    loop = asyncio.get_running_loop()
    assert await loop.run_in_executor(InlineExecutor(), sum, [1, 2, 3]) == 6
    with pytest.raises(ZeroDivisionError):
        await loop.run_in_executor(InlineExecutor(), divmod, 1, 0)


async def test_vad_finds_speech_and_its_end_without_a_thread_of_its_own() -> None:
    speech = synthesize("the quick brown fox jumps over the lazy dog")
    quiet = np.zeros(SAMPLE_RATE, dtype=np.int16)
    pcm = np.concatenate([quiet, speech, quiet])
    threads_before = threading.active_count()
    stream = inference.VAD(executor=InlineExecutor()).stream()
    for start in range(0, len(pcm) - FRAME_SAMPLES + 1, FRAME_SAMPLES):
        chunk = pcm[start : start + FRAME_SAMPLES]
        stream.push_frame(rtc.AudioFrame(chunk.tobytes(), SAMPLE_RATE, 1, FRAME_SAMPLES))
    stream.end_input()
    kinds = [event.type async for event in stream]
    assert threading.active_count() == threads_before
    assert vad.VADEventType.START_OF_SPEECH in kinds
    assert vad.VADEventType.END_OF_SPEECH in kinds
    assert kinds.index(vad.VADEventType.START_OF_SPEECH) < kinds.index(
        vad.VADEventType.END_OF_SPEECH
    )
