"""The streaming ``local`` STT: Moonshine while the caller speaks, Whisper when unsure.

A streaming STT with manual flush is used by the session as it is: no ``StreamAdapter``,
no second VAD. The session's VAD ends the turn and flushes this stream, which then has
the transcript ready instead of starting a half-second Whisper decode:

- while voiced audio arrives, every ``interim_s`` of new audio, Moonshine re-decodes the
  utterance so far (an interim transcript, ~50 ms of one core);
- when the tail has been quiet for ``quiet_s``, it decodes the whole utterance and emits
  a preflight transcript (the session may start its reply on it); if Moonshine was not
  sure of a word, Whisper starts on the same audio at once, for the final;
- on flush, the final is the preflight's (or Whisper's) text when nothing voiced came
  since, else a fresh decode of the utterance. The buffer then starts again empty.

Decodes run on each engine's one-per-process thread; a stream never queues a second
decode behind its own, and skips interims while frames are waiting to be read.
"""

from __future__ import annotations

import asyncio
import math
import uuid
from dataclasses import dataclass, field

import numpy as np
from livekit.agents import APIConnectionError, LanguageCode, stt
from livekit.agents.types import DEFAULT_API_CONNECT_OPTIONS, APIConnectOptions, NotGivenOr
from livekit.agents.utils import AudioBuffer

from agent_app.providers.offline import moonshine, whisper_stt
from agent_app.providers.offline.process_models import LocalSTT
from agent_app.providers.offline.quiet_tail import QuietTail
from agent_app.providers.offline.whisper_stt import WhisperOptions

SAMPLE_RATE = 16_000
MODEL_NAME = "moonshine-tiny-en+whisper-tiny.en"
LEAD_SAMPLES = SAMPLE_RATE * 3 // 10
"""Audio kept before the first voiced frame (a soft first consonant starts below it)."""


@dataclass(frozen=True)
class StreamingOptions:
    """How the two engines share the work."""

    moonshine_threads: int = 1
    """CPU threads of one Moonshine decode (the process runs one at a time)."""
    whisper: WhisperOptions = field(default_factory=WhisperOptions)
    """The careful engine, for finals Moonshine was unsure of."""
    fallback_logprob: float = -1.0
    """Below this lowest token log-probability, Whisper decides the final."""
    interim_s: float = 0.5
    """New audio between two interim decodes."""
    quiet_s: float = 0.25
    """Quiet tail after which the utterance is decoded for a preflight transcript."""


@dataclass
class _Decoded:
    """A decode of the buffer up to ``samples`` and, when unsure, Whisper's run on it."""

    samples: int
    transcript: moonshine.Transcript
    careful: asyncio.Future[str] | None


class StreamingLocalSTT(LocalSTT):
    """Moonshine tiny for interims and preflights, Whisper tiny.en for unsure finals."""

    model_name = MODEL_NAME

    def __init__(self, *, options: StreamingOptions | None = None) -> None:
        super().__init__(
            capabilities=stt.STTCapabilities(
                streaming=True, interim_results=True, manual_flush=True
            )
        )
        self.options = options or StreamingOptions()

    def warm(self) -> None:
        moonshine.load_model(self.options.moonshine_threads)
        whisper_stt.load_model(self.options.whisper.cpu_threads)

    async def _recognize_impl(
        self,
        buffer: AudioBuffer,
        *,
        language: NotGivenOr[str] = "",
        conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS,
    ) -> stt.SpeechEvent:
        from livekit.agents import utils

        samples = whisper_stt.to_mono_16k(utils.combine_frames(buffer))
        audio = samples.astype(np.float32) / 32768.0
        text = await _final_text(self.options, audio, conn_options.timeout)
        return _event(stt.SpeechEventType.FINAL_TRANSCRIPT, text, 1.0, "")

    def stream(
        self,
        *,
        language: NotGivenOr[str] = "",
        conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS,
    ) -> LocalRecognizeStream:
        return LocalRecognizeStream(stt=self, conn_options=conn_options)


class LocalRecognizeStream(stt.RecognizeStream):
    """One call's utterance buffer and its decodes."""

    def __init__(self, *, stt: StreamingLocalSTT, conn_options: APIConnectOptions) -> None:
        super().__init__(stt=stt, conn_options=conn_options, sample_rate=SAMPLE_RATE)
        self._options = stt.options
        self._chunks: list[np.ndarray] = []
        self._samples = 0
        self._voiced_at = 0
        """Buffer length after its last voiced frame (0: nothing voiced yet)."""
        self._interim_at = 0
        self._preflight: _Decoded | None = None
        self._tail = QuietTail(quiet_after_s=stt.options.quiet_s)
        self.decodes = 0
        """Moonshine decodes so far (interims, preflights, finals)."""
        self.careful_decodes = 0
        """Whisper runs started so far (finals Moonshine was unsure of)."""
        self.longest_decode_s = 0.0
        """The longest audio a decode was given, seconds."""

    async def _run(self) -> None:
        try:
            async for item in self._input_ch:
                if isinstance(item, self._FlushSentinel):
                    await self._finalise()
                    continue
                chunk = np.frombuffer(bytes(item.data), dtype=np.int16)
                if item.num_channels > 1:
                    chunk = chunk.reshape(-1, item.num_channels).mean(axis=1).astype(np.int16)
                self._chunks.append(chunk)
                self._samples += chunk.size
                if self._tail.push(chunk, SAMPLE_RATE):
                    self._voiced_at = self._samples
                elif not self._voiced_at and self._samples > LEAD_SAMPLES * 2:
                    self._keep_lead()
                await self._after_frame()
            await self._finalise()  # end of input: whatever was said is final
        finally:
            self._drop_preflight()

    async def _after_frame(self) -> None:
        if not self._voiced_at or self._input_ch.qsize():
            return  # nothing said yet, or frames waiting: decode once caught up
        if self._tail.quiet:
            if self._preflight is None or self._preflight.samples < self._voiced_at:
                await self._emit_preflight()
        elif self._samples - self._interim_at >= self._options.interim_s * SAMPLE_RATE:
            self._interim_at = self._samples
            heard = await self._decode(self._audio())
            if heard.text:
                self._send(stt.SpeechEventType.INTERIM_TRANSCRIPT, heard)

    async def _emit_preflight(self) -> None:
        self._drop_preflight()
        self._preflight = await self._decode_utterance()
        if self._preflight.transcript.text:
            self._send(stt.SpeechEventType.PREFLIGHT_TRANSCRIPT, self._preflight.transcript)

    async def _decode_utterance(self) -> _Decoded:
        """Moonshine on the whole buffer and, when it is unsure, Whisper started on it."""
        audio = self._audio()
        heard = await self._decode(audio)
        careful = None
        if heard.text and heard.min_logprob < self._options.fallback_logprob:
            careful = _whisper(self._options.whisper, audio)
            self.careful_decodes += 1
        return _Decoded(audio.size, heard, careful)

    async def _finalise(self) -> None:
        if self._voiced_at:
            preflight = self._preflight
            if preflight is None or preflight.samples < self._voiced_at:
                self._drop_preflight()
                preflight = self._preflight = await self._decode_utterance()
            text = preflight.transcript.text
            if preflight.careful is not None:
                text = await self._careful(preflight.careful)
                preflight.careful = None
            if text:
                confidence = math.exp(preflight.transcript.min_logprob)
                self._event_ch.send_nowait(
                    _event(stt.SpeechEventType.FINAL_TRANSCRIPT, text, confidence, self._id())
                )
            self._event_ch.send_nowait(
                stt.SpeechEvent(
                    type=stt.SpeechEventType.RECOGNITION_USAGE,
                    request_id=self._id(),
                    recognition_usage=stt.RecognitionUsage(
                        audio_duration=self._samples / SAMPLE_RATE
                    ),
                )
            )
        self._drop_preflight()
        self._chunks.clear()
        self._samples = self._voiced_at = self._interim_at = 0
        self._tail = QuietTail(quiet_after_s=self._options.quiet_s)
        self._request_id = ""

    def _keep_lead(self) -> None:
        """Nothing said since the flush (the agent is talking, the line is quiet): keep
        only the lead-in a first word needs, so decodes see the utterance, not the wait."""
        lead = np.concatenate(self._chunks)[-LEAD_SAMPLES:]
        self._chunks = [lead]
        self._samples = self._interim_at = lead.size

    def _audio(self) -> np.ndarray:
        if len(self._chunks) > 1:
            self._chunks = [np.concatenate(self._chunks)]
        if not self._chunks:
            return np.zeros(0, dtype=np.float32)
        return self._chunks[0].astype(np.float32) / 32768.0

    async def _decode(self, audio: np.ndarray) -> moonshine.Transcript:
        self.decodes += 1
        self.longest_decode_s = max(self.longest_decode_s, audio.size / SAMPLE_RATE)
        loop = asyncio.get_running_loop()
        try:
            return await asyncio.wait_for(
                loop.run_in_executor(
                    moonshine.decoding, moonshine.transcribe, audio, self._options.moonshine_threads
                ),
                timeout=self._conn_options.timeout,
            )
        except TimeoutError as e:
            raise APIConnectionError("Moonshine took too long") from e
        except Exception as e:  # a native model failure is a provider failure
            raise APIConnectionError(f"Moonshine failed: {e}") from e

    async def _careful(self, careful: asyncio.Future[str]) -> str:
        try:
            return await asyncio.wait_for(careful, timeout=self._conn_options.timeout)
        except TimeoutError as e:
            raise APIConnectionError("Whisper took too long") from e
        except Exception as e:
            raise APIConnectionError(f"Whisper failed: {e}") from e

    def _send(self, kind: stt.SpeechEventType, heard: moonshine.Transcript) -> None:
        confidence = math.exp(heard.min_logprob)
        self._event_ch.send_nowait(_event(kind, heard.text, confidence, self._id()))

    def _id(self) -> str:
        if not getattr(self, "_request_id", ""):
            self._request_id = uuid.uuid4().hex[:12]
        return self._request_id

    def _drop_preflight(self) -> None:
        """Forget a preflight the caller has spoken past (its Whisper run, if queued)."""
        if self._preflight is not None and self._preflight.careful is not None:
            self._preflight.careful.cancel()
        self._preflight = None


def _whisper(options: WhisperOptions, audio: np.ndarray) -> asyncio.Future[str]:
    """Whisper on ``audio``, started now on its process-wide thread."""
    loop = asyncio.get_running_loop()
    return loop.run_in_executor(whisper_stt.inference, whisper_stt.transcribe, audio, options)


async def _final_text(options: StreamingOptions, audio: np.ndarray, timeout: float) -> str:
    """One utterance, decided the way a stream decides its final (for ``recognize``)."""
    loop = asyncio.get_running_loop()
    heard = await asyncio.wait_for(
        loop.run_in_executor(
            moonshine.decoding, moonshine.transcribe, audio, options.moonshine_threads
        ),
        timeout=timeout,
    )
    if heard.text and heard.min_logprob < options.fallback_logprob:
        return await asyncio.wait_for(_whisper(options.whisper, audio), timeout=timeout)
    return heard.text


def _event(
    kind: stt.SpeechEventType, text: str, confidence: float, request_id: str
) -> stt.SpeechEvent:
    return stt.SpeechEvent(
        type=kind,
        request_id=request_id,
        alternatives=[
            stt.SpeechData(language=LanguageCode("en"), text=text, confidence=confidence)
        ],
    )
