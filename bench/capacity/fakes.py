"""A streaming STT of fixed latency that brings no VAD of its own.

livekit-agents wraps a non-streaming STT (``bench.agent_fakes.FixedSTT``, Whisper, the
OpenAI transcription endpoint) in a ``StreamAdapter`` that runs a second VAD on every
call to cut the audio into utterances, next to the session's own VAD. A streaming
recogniser (Azure Speech, Deepgram, a realtime endpoint) endpoints on its side; this
fake does the same with a level test per frame (microseconds), so the benchmark
measures one VAD per call, as a production streaming STT would cost.

It endpoints either on the level of the audio it receives (``on="level"``) or when the
session's VAD says the user stopped (``on="vad"``, ``speech_ended()``, wired by
``bench.capacity.worker``). The level test and Silero disagree on some sentence endings
by a frame or more, and those turns then wait 250 ms for the transcript at any load:
on one caller sentence that was 3 turns in 15, which is where a 40-turn p95 sits. On
the VAD, the transcript always comes ``delay`` after the end of speech, so what moves
the p95 is load.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from typing import Any, Literal

import numpy as np
from livekit import rtc
from livekit.agents import LanguageCode, stt, utils
from livekit.agents.types import (
    DEFAULT_API_CONNECT_OPTIONS,
    NOT_GIVEN,
    APIConnectOptions,
    NotGivenOr,
)
from livekit.agents.utils import AudioBuffer

VOICED_RMS = 1_000.0
"""int16 RMS above which a frame counts as speech. The Go callers speak over room noise
20 dB below their speech: its 50 ms frames peak near 1,000 (a peak test would hear
speech in every pause) at an RMS of about 300 (190 after Opus); voiced speech is at
1,500 to 4,000."""


class EndpointingSTT(stt.STT[None]):
    """Streams: says ``text`` ``delay`` seconds after the end of speech, which is
    ``silence`` seconds without a voiced frame (``on="level"``) or the session VAD's
    end of speech (``on="vad"``)."""

    def __init__(
        self,
        delay: float,
        silence: float,
        text: str = "tell me something",
        *,
        on: Literal["level", "vad"] = "level",
    ) -> None:
        super().__init__(capabilities=stt.STTCapabilities(streaming=True, interim_results=False))
        self._delay, self._silence, self._text = delay, silence, text
        self.endpoints_on = on
        self._streams: weakref.WeakSet[_EndpointingStream] = weakref.WeakSet()

    def speech_ended(self) -> None:
        """The session's VAD heard the user stop: each open stream endpoints now."""
        for stream in list(self._streams):
            stream.endpoint()

    async def _recognize_impl(self, buffer: AudioBuffer, **_: Any) -> stt.SpeechEvent:
        await asyncio.sleep(self._delay)
        return self._final()

    def stream(
        self,
        *,
        language: NotGivenOr[str] = NOT_GIVEN,
        conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS,
    ) -> stt.RecognizeStream:
        stream = _EndpointingStream(stt=self, conn_options=conn_options)
        self._streams.add(stream)
        return stream

    def _final(self) -> stt.SpeechEvent:
        return stt.SpeechEvent(
            type=stt.SpeechEventType.FINAL_TRANSCRIPT,
            alternatives=[stt.SpeechData(language=LanguageCode("en"), text=self._text)],
        )


class _EndpointingStream(stt.RecognizeStream):
    def __init__(self, **kwargs: Any) -> None:
        self._pending: set[asyncio.Task[None]] = set()
        super().__init__(**kwargs)

    def endpoint(self) -> None:
        """Send the transcript ``delay`` from now (on the stream's own loop)."""
        fake = self._stt
        assert isinstance(fake, EndpointingSTT)

        async def finish() -> None:
            await asyncio.sleep(fake._delay)
            self._event_ch.send_nowait(fake._final())
            self._event_ch.send_nowait(stt.SpeechEvent(type=stt.SpeechEventType.END_OF_SPEECH))

        task = asyncio.get_running_loop().create_task(finish())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _run(self) -> None:
        fake = self._stt
        assert isinstance(fake, EndpointingSTT)
        on_level = fake.endpoints_on == "level"
        speaking = False
        quiet = 0.0  # seconds of audio since the last voiced frame
        try:
            async for item in self._input_ch:
                if not on_level or not isinstance(item, rtc.AudioFrame):
                    continue  # endpointed by the VAD; or a flush: nothing is buffered here
                samples = np.frombuffer(item.data, dtype=np.int16).astype(np.float32)
                if samples.size and float(np.sqrt(np.mean(samples**2))) > VOICED_RMS:
                    if not speaking:
                        speaking = True
                        self._event_ch.send_nowait(
                            stt.SpeechEvent(type=stt.SpeechEventType.START_OF_SPEECH)
                        )
                    quiet = 0.0
                elif speaking:
                    quiet += item.samples_per_channel / item.sample_rate
                    if quiet >= fake._silence:
                        speaking = False
                        self.endpoint()
        finally:
            pending = list(self._pending)
            for task in pending:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await utils.aio.cancel_and_wait(*pending)
