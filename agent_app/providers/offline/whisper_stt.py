"""Offline, open-vocabulary speech-to-text: Whisper tiny.en through faster-whisper.

Whisper is a batch model, so this is a non-streaming STT: the session wraps it in
livekit-agents' ``StreamAdapter``, which cuts the audio at VAD speech boundaries and
hands each utterance to ``recognize``.

One model per process (loading starts in prewarm: about 2 s, 110 MB), and one inference
at a time per process on a dedicated thread with a bounded number of CPU threads:
the event loop never runs the model, and several calls in one process queue instead
of oversubscribing the cores.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from livekit import rtc
from livekit.agents import APIConnectionError, LanguageCode, stt, utils
from livekit.agents.types import (
    DEFAULT_API_CONNECT_OPTIONS,
    NOT_GIVEN,
    APIConnectOptions,
    NotGivenOr,
)
from livekit.agents.utils import AudioBuffer

from agent_app.providers.offline.model_files import whisper_model_dir
from agent_app.providers.offline.process_models import LocalSTT, ProcessModels

SAMPLE_RATE = 16_000
MODEL_NAME = "whisper-tiny.en"


@dataclass(frozen=True)
class WhisperOptions:
    """How the model is run."""

    cpu_threads: int = 2
    """CPU threads one inference may use (the process runs one inference at a time)."""
    beam_size: int = 5
    """Candidates kept while decoding; 1 (greedy) is faster but mishears more in noise."""


def _load(cpu_threads: int) -> Any:
    from faster_whisper import WhisperModel

    return WhisperModel(
        str(whisper_model_dir()),
        device="cpu",
        compute_type="int8",
        cpu_threads=cpu_threads,
        num_workers=1,
        local_files_only=True,
    )


_models = ProcessModels(_load)
# one inference at a time per process: a queue, not a pile-up of CPU threads
inference = ThreadPoolExecutor(max_workers=1, thread_name_prefix="whisper")


def load_model(cpu_threads: int) -> Any:
    """The process-wide model for ``cpu_threads`` (loaded on first use; blocking)."""
    return _models.get(cpu_threads)


def transcribe(samples: np.ndarray, options: WhisperOptions) -> str:
    """Text for 16 kHz mono float32 samples in [-1, 1] (blocking)."""
    if samples.size == 0:
        return ""
    model = load_model(options.cpu_threads)
    segments, _info = model.transcribe(
        samples,
        language="en",
        beam_size=options.beam_size,
        # one utterance at a time: no earlier text to condition on, no timestamps to emit,
        # and a single temperature so a hard utterance costs one decode, not five
        condition_on_previous_text=False,
        without_timestamps=True,
        temperature=0.0,
        vad_filter=False,  # the session's VAD already cut the utterance
    )
    return " ".join(segment.text.strip() for segment in segments).strip()


class WhisperSTT(LocalSTT):
    """Batch STT (the session wraps it with VAD for streaming)."""

    model_name = MODEL_NAME

    def __init__(self, *, options: WhisperOptions | None = None) -> None:
        super().__init__(capabilities=stt.STTCapabilities(streaming=False, interim_results=False))
        self._options = options or WhisperOptions()

    def warm(self) -> None:
        load_model(self._options.cpu_threads)

    async def _recognize_impl(
        self,
        buffer: AudioBuffer,
        *,
        language: NotGivenOr[str] = NOT_GIVEN,
        conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS,
    ) -> stt.SpeechEvent:
        samples = to_mono_16k(utils.combine_frames(buffer))
        audio = samples.astype(np.float32) / 32768.0
        loop = asyncio.get_running_loop()
        try:
            text = await asyncio.wait_for(
                loop.run_in_executor(inference, transcribe, audio, self._options),
                timeout=conn_options.timeout,
            )
        except TimeoutError as e:
            raise APIConnectionError("Whisper took too long") from e
        except Exception as e:  # a native model failure is a provider failure
            raise APIConnectionError(f"Whisper failed: {e}") from e
        return stt.SpeechEvent(
            type=stt.SpeechEventType.FINAL_TRANSCRIPT,
            alternatives=[stt.SpeechData(language=LanguageCode("en"), text=text, confidence=1.0)],
        )


def to_mono_16k(frame: rtc.AudioFrame) -> np.ndarray:
    """Down-mix and resample one frame to 16 kHz mono int16."""
    samples = np.frombuffer(bytes(frame.data), dtype=np.int16)
    if frame.num_channels > 1:
        samples = samples.reshape(-1, frame.num_channels).mean(axis=1).astype(np.int16)
    if frame.sample_rate == SAMPLE_RATE:
        return samples
    resampler = rtc.AudioResampler(
        frame.sample_rate, SAMPLE_RATE, num_channels=1, quality=rtc.AudioResamplerQuality.HIGH
    )
    out = resampler.push(bytearray(samples.tobytes())) + resampler.flush()
    if not out:
        return np.zeros(0, dtype=np.int16)
    return np.concatenate([np.frombuffer(bytes(f.data), dtype=np.int16) for f in out])
