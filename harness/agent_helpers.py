"""Driving the agent's parts in process: settings independent of the machine, speech in
the caller's voice as audio frames, and readers for LLM and STT streams."""

from __future__ import annotations

import asyncio
from typing import Any

from livekit import rtc
from livekit.agents import llm, stt
from livekit.agents.stt import SpeechEventType

from agent_app.api.client import ParleyApi
from agent_app.api.outbox import OutboxOptions
from agent_app.call.session import ParleySession
from agent_app.providers.chains import Providers
from agent_app.providers.offline.espeak_tts import ESpeakTTS
from agent_app.providers.offline.responder import OfflineLLM
from agent_app.recovery.state import MemoryStateStore
from agent_app.settings import AgentSettings
from harness.caller import voice


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


def offline_session(api_url: str, session_id: str, room_name: str) -> ParleySession:
    """A session with no room, no STT and no VAD: the offline LLM and eSpeak answer text
    put into it, its outbox posts to ``api_url`` (a ``FakeParleyApi``) and retries fast."""
    return ParleySession(
        settings=settings(),
        session_id=session_id,
        room_name=room_name,
        api=ParleyApi(api_url, "agent-key"),
        store=MemoryStateStore(60),
        providers=Providers(stt=None, llm=OfflineLLM(), tts=ESpeakTTS()),  # type: ignore[arg-type]
        vad_model=None,
        outbox_options=OutboxOptions(backoff_base=0.01, backoff_cap=0.05),
        turn_options={},
    )


async def converse(session: ParleySession, *user_inputs: str) -> None:
    """Start ``session``, take each input as a user turn and wait for its reply, then
    close it (flushing what it has to send)."""
    await session.session.start(await session.prepare())
    for text in user_inputs:
        await session.session.run(user_input=text)
    await session.close(5)


def speech_frames(text: str, *, frame_ms: int = 20) -> tuple[list[rtc.AudioFrame], int]:
    """``text`` in the caller's voice (``harness.caller.voice``) as ``frame_ms`` frames at
    its native rate, with silence before (0.5 s) and after (1 s)."""
    pcm, rate = voice.speak(text)
    return voice.frames_of(voice.pad(pcm, rate), rate, frame_ms=frame_ms), rate


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
