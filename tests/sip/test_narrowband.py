"""Phone audio is understood: open sentences in Festival's voice, band-limited to 8 kHz,
over line noise, through G.711 μ-law, then the agent's own recognition path."""

from __future__ import annotations

from typing import Any

from livekit.agents import inference, stt

from agent_app.providers.offline.local import build_stt
from agent_app.providers.offline.whisper_stt import WhisperSTT
from harness.agent_helpers import settings
from harness.caller.voice import OPEN_SENTENCES, festival_available, frames_of, hear, word_accuracy
from harness.doubles.engines import resample
from harness.sip.phone_audio import PHONE_RATE, g711, phone_speech

AGENT_INPUT_RATE = 16_000  # what the agent's room input delivers (runtime/room_audio.py)
LINE_SNR_DB = 25.0
"""Audible hiss on a phone line (digital trunks are cleaner). Measured with Whisper tiny.en:
92.6% of words at 25 dB, 98.3% at 40 dB, 78.5% at 15 dB."""


async def test_whisper_understands_narrowband_phone_speech() -> None:
    await _understood_on_the_line(stt.StreamAdapter(stt=WhisperSTT(), vad=inference.VAD()))


async def test_the_default_recogniser_understands_narrowband_phone_speech() -> None:
    """What a phone call actually runs: the streaming local recogniser (Moonshine, Whisper
    when unsure) built as the agent builds it."""
    await _understood_on_the_line(await build_stt(settings()))


async def _understood_on_the_line(recognizer: stt.STT[Any]) -> None:
    assert festival_available(), "Festival is missing: run `make system-deps`"
    pairs = []
    for seed, sentence in enumerate(OPEN_SENTENCES):
        line = g711(phone_speech(sentence, snr_db=LINE_SNR_DB, tail_s=1.0, seed=seed))
        frames = frames_of(resample(line, PHONE_RATE, AGENT_INPUT_RATE), AGENT_INPUT_RATE)
        pairs.append((sentence, await hear(recognizer, frames)))
    accuracy = word_accuracy(pairs)
    print(f"narrowband word accuracy: {accuracy:.1%} over {len(pairs)} sentences")
    assert accuracy >= 0.9, f"word accuracy {accuracy:.0%}: {pairs}"
