"""Driving the agent's parts in process: settings independent of the machine, speech made
with eSpeak as audio frames, and readers for LLM and STT streams."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
from livekit import rtc
from livekit.agents import llm, stt
from livekit.agents.stt import SpeechEventType

from agent_app.providers.local_tts import ESpeakTTS
from agent_app.settings import AgentSettings


def settings(**overrides: Any) -> AgentSettings:
    """Settings independent of the machine's environment."""
    base: dict[str, Any] = {
        "stt_providers": "local",
        "llm_providers": "local",
        "tts_providers": "local",
        "parley_agent_key": "agent-key",
    }
    base.update(overrides)
    return AgentSettings.model_validate(base)


def speech_frames(text: str, *, frame_ms: int = 20) -> tuple[list[rtc.AudioFrame], int]:
    """``text`` spoken by eSpeak NG as 20 ms frames at its native rate, padded with silence."""
    tts = ESpeakTTS(words_per_minute=140)
    pcm = tts.synthesize_pcm(text)
    rate = tts.sample_rate
    silence = np.zeros(rate // 2, dtype=np.int16)
    audio = np.concatenate([silence, pcm, silence, silence])
    step = rate * frame_ms // 1000
    frames = [
        rtc.AudioFrame(
            data=audio[i : i + step].tobytes(),
            sample_rate=rate,
            num_channels=1,
            samples_per_channel=len(audio[i : i + step]),
        )
        for i in range(0, len(audio) - step + 1, step)
    ]
    return frames, rate


def user_says(text: str) -> llm.ChatContext:
    ctx = llm.ChatContext()
    ctx.add_message(role="user", content=text)
    return ctx


async def collect_text(stream: llm.LLMStream) -> tuple[str, list[llm.FunctionToolCall]]:
    text, calls = "", []
    async with stream:
        async for chunk in stream:
            if chunk.delta is not None:
                text += chunk.delta.content or ""
                calls.extend(chunk.delta.tool_calls)
    return text.strip(), calls


async def final_transcripts(
    recognizer: stt.STT[Any], frames: list[rtc.AudioFrame], want: int = 1
) -> list[str]:
    """Stream ``frames`` then silence until ``want`` final transcripts arrived (bounded)."""
    finals: list[str] = []
    stream = recognizer.stream()
    for frame in frames:
        stream.push_frame(frame)

    async def read() -> None:
        async for event in stream:
            if event.type == SpeechEventType.FINAL_TRANSCRIPT:
                finals.append(event.alternatives[0].text)
                if len(finals) >= want:
                    return

    try:
        await asyncio.wait_for(read(), timeout=20)
    finally:
        await stream.aclose()
    return finals
