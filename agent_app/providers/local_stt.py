"""Offline speech-to-text with pocketsphinx (its wheel ships an English model).

Open vocabulary is rough; with ``phrases`` set, recognition is constrained to that
grammar, which makes it exact for scripted local checks.
"""

from __future__ import annotations

import asyncio
import threading

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
from pocketsphinx import Decoder

SAMPLE_RATE = 16_000
# pocketsphinx clips words that touch the buffer edges, and VAD segments start and end
# right at speech. The padding is a faint noise floor, not digital zeros: on exact
# silence the decoder often stops short of the grammar's last word ("what did i ask"
# came out as "what did i").
_PAD = np.random.default_rng(0).normal(0, 20, SAMPLE_RATE // 4).astype(np.int16)


def _jsgf(phrases: list[str]) -> str:
    alternatives = " | ".join(p.lower() for p in phrases)
    return f"#JSGF V1.0;\ngrammar parley;\npublic <utterance> = {alternatives};\n"


class PocketSphinxSTT(stt.STT[None]):
    """Batch STT (the session wraps it with VAD for streaming)."""

    def __init__(self, *, phrases: list[str] | None = None, language: str = "en") -> None:
        super().__init__(capabilities=stt.STTCapabilities(streaming=False, interim_results=False))
        self._phrases = list(phrases or [])
        self._language = language
        self._decoder: Decoder | None = None
        # one decoder, not thread-safe; recognitions are short, so serialise them
        self._lock = threading.Lock()

    @property
    def model(self) -> str:
        return "pocketsphinx-en-us" + ("-grammar" if self._phrases else "")

    @property
    def provider(self) -> str:
        return "local"

    def warm(self) -> None:
        """Load the acoustic model now (about 0.3 s) instead of on the first turn."""
        with self._lock:
            self._ensure_decoder()

    def _ensure_decoder(self) -> Decoder:
        if self._decoder is None:
            decoder = Decoder(samprate=SAMPLE_RATE, loglevel="FATAL")
            if self._phrases:
                decoder.add_jsgf_string("parley", _jsgf(self._phrases))
                decoder.activate_search("parley")
            self._decoder = decoder
        return self._decoder

    def transcribe_pcm16(self, pcm: np.ndarray) -> str:
        """Text for 16 kHz mono int16 samples (blocking)."""
        audio = np.concatenate([_PAD, pcm.astype(np.int16), _PAD])
        with self._lock:
            decoder = self._ensure_decoder()
            decoder.start_utt()
            decoder.process_raw(audio.tobytes(), full_utt=True)
            decoder.end_utt()
            hyp = decoder.hyp()
        return hyp.hypstr.strip() if hyp is not None else ""

    async def _recognize_impl(
        self,
        buffer: AudioBuffer,
        *,
        language: NotGivenOr[str] = NOT_GIVEN,
        conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS,
    ) -> stt.SpeechEvent:
        frame = utils.combine_frames(buffer)
        pcm = to_mono_16k(frame)
        try:
            text = await asyncio.to_thread(self.transcribe_pcm16, pcm)
        except Exception as e:  # a native decoder failure is a provider failure
            raise APIConnectionError(f"pocketsphinx failed: {e}") from e
        return stt.SpeechEvent(
            type=stt.SpeechEventType.FINAL_TRANSCRIPT,
            alternatives=[
                stt.SpeechData(language=LanguageCode(self._language), text=text, confidence=1.0)
            ],
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
