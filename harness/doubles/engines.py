"""Real speech for the speech doubles: the agent's own offline engines, so a provider's
wire server recognises the audio it is sent (Whisper tiny.en) and answers with speech
(Piper's voice when installed, else eSpeak NG). Each runs off the event loop, one at a
time, like the agent runs them."""

from __future__ import annotations

import asyncio
import functools
import io

import av
import numpy as np
from livekit import rtc

from agent_app.providers.offline.espeak_tts import ESpeakTTS
from agent_app.providers.offline.piper_tts import PiperTTS, piper_available
from agent_app.providers.offline.whisper_stt import WhisperOptions, transcribe

WHISPER_RATE = 16_000


@functools.cache
def _voice() -> PiperTTS | ESpeakTTS:
    return PiperTTS() if piper_available() else ESpeakTTS()


def resample(pcm: np.ndarray, rate: int, to: int) -> np.ndarray:
    """int16 mono ``pcm`` from ``rate`` to ``to`` Hz."""
    if rate == to or pcm.size == 0:
        return pcm
    resampler = rtc.AudioResampler(rate, to, quality=rtc.AudioResamplerQuality.HIGH)
    frames = resampler.push(bytearray(pcm.astype(np.int16).tobytes())) + resampler.flush()
    if not frames:
        return np.zeros(0, dtype=np.int16)
    return np.concatenate([np.frombuffer(bytes(f.data), dtype=np.int16) for f in frames])


def speech_pcm(text: str, rate: int) -> np.ndarray:
    """``text`` spoken as int16 mono at ``rate`` (blocking)."""
    voice = _voice()
    return resample(voice.synthesize_pcm(text), voice.sample_rate, rate)


def mp3_of(pcm: np.ndarray, rate: int) -> bytes:
    """int16 mono ``pcm`` as an MP3 file (blocking)."""
    out = io.BytesIO()
    with av.open(out, "w", format="mp3") as container:
        stream = container.add_stream("libmp3lame", rate=rate, layout="mono")
        frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16p", layout="mono")
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return out.getvalue()


def text_of(pcm_16k: np.ndarray) -> str:
    """What Whisper tiny.en hears in int16 mono 16 kHz ``pcm_16k`` (blocking)."""
    audio = pcm_16k.astype(np.float32) / 32768.0
    return transcribe(audio, WhisperOptions(cpu_threads=1, beam_size=5))


async def speak(text: str, rate: int) -> np.ndarray:
    """``speech_pcm`` off the event loop."""
    return await asyncio.to_thread(speech_pcm, text, rate)


async def speak_mp3(text: str, rate: int) -> bytes:
    """``text`` as an MP3 at ``rate``, off the event loop."""
    return await asyncio.to_thread(lambda: mp3_of(speech_pcm(text, rate), rate))


async def hear(pcm: np.ndarray, rate: int) -> str:
    """What was said in int16 mono ``pcm`` at ``rate``, off the event loop."""
    return await asyncio.to_thread(lambda: text_of(resample(pcm, rate, WHISPER_RATE)))
