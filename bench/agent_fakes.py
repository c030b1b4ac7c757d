"""Providers with fixed, known latency, for measuring what the orchestration adds."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import numpy as np
from livekit.agents import LanguageCode, llm, stt, tts, utils
from livekit.agents.llm import ChatChunk, ChoiceDelta, Tool
from livekit.agents.types import (
    DEFAULT_API_CONNECT_OPTIONS,
    APIConnectOptions,
)
from livekit.agents.utils import AudioBuffer


@dataclass(frozen=True)
class Latencies:
    """The fixed delays of the fake providers, in seconds."""

    stt: float = 0.100
    """Batch recognition time after end of speech."""
    llm_ttft: float = 0.150
    """Time to the first token."""
    tts_ttfb: float = 0.080
    """Time to the first audio byte."""


class FixedSTT(stt.STT[None]):
    def __init__(self, delay: float, text: str = "tell me something") -> None:
        super().__init__(capabilities=stt.STTCapabilities(streaming=False, interim_results=False))
        self._delay, self._text = delay, text

    async def _recognize_impl(self, buffer: AudioBuffer, **_: Any) -> stt.SpeechEvent:
        await asyncio.sleep(self._delay)
        return stt.SpeechEvent(
            type=stt.SpeechEventType.FINAL_TRANSCRIPT,
            alternatives=[stt.SpeechData(language=LanguageCode("en"), text=self._text)],
        )


class FixedLLM(llm.LLM[None]):
    def __init__(self, ttft: float, reply: str = "Here is a short answer.") -> None:
        super().__init__()
        self._ttft, self._reply = ttft, reply

    def chat(
        self,
        *,
        chat_ctx: llm.ChatContext,
        tools: list[Tool] | None = None,
        conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS,
        **_: Any,  # tool choice and the like mean nothing to a fixed reply
    ) -> llm.LLMStream:
        return _FixedStream(self, chat_ctx=chat_ctx, tools=tools or [], conn_options=conn_options)


class _FixedStream(llm.LLMStream):
    async def _run(self) -> None:
        fixed = self._llm
        assert isinstance(fixed, FixedLLM)
        await asyncio.sleep(fixed._ttft)
        for i, word in enumerate(fixed._reply.split(" ")):
            self._event_ch.send_nowait(
                ChatChunk(
                    id="fixed",
                    delta=ChoiceDelta(role="assistant", content=(" " if i else "") + word),
                )
            )


class FixedTTS(tts.TTS[None]):
    """Answers every sentence with ``audio_seconds`` of a 440 Hz tone after ``ttfb``: loud
    enough (RMS about 4,200 in int16) for a listener to tell the reply from silence."""

    def __init__(self, ttfb: float, sample_rate: int = 24_000, audio_seconds: float = 0.2) -> None:
        super().__init__(
            capabilities=tts.TTSCapabilities(streaming=False),
            sample_rate=sample_rate,
            num_channels=1,
        )
        self._ttfb = ttfb
        t = np.arange(int(sample_rate * audio_seconds)) / sample_rate
        self._audio = (6000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16).tobytes()

    def synthesize(
        self, text: str, *, conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS
    ) -> tts.ChunkedStream:
        return _FixedAudio(tts=self, input_text=text, conn_options=conn_options)


class _FixedAudio(tts.ChunkedStream):
    async def _run(self, output_emitter: tts.AudioEmitter) -> None:
        fixed = self._tts
        assert isinstance(fixed, FixedTTS)
        await asyncio.sleep(fixed._ttfb)
        output_emitter.initialize(
            request_id=utils.shortuuid(),
            sample_rate=fixed.sample_rate,
            num_channels=1,
            mime_type="audio/pcm",
        )
        output_emitter.push(fixed._audio)
        output_emitter.flush()
