"""Test speech: sentences in a natural voice that is not the agent's, room noise, scoring.

The caller speaks with Festival's HTS voice (``cmu_us_slt_arctic_hts``, a woman's voice,
Debian ``festival festvox-us-slt-hts``) while the agent speaks with Piper's ``joe``: a
recogniser that only knew the agent's own voice would not pass.
"""

from __future__ import annotations

import asyncio
import functools
import re
import shutil
import subprocess
import tempfile
import wave
from pathlib import Path
from typing import Any

import numpy as np
from livekit import rtc
from livekit.agents import stt

FESTIVAL_VOICE = "voice_cmu_us_slt_arctic_hts"

# sentences the agent's code has never seen: open vocabulary, everyday topics, no digits
# (Whisper writes numbers as digits, which a word score would count as errors)
OPEN_SENTENCES = [
    "Could you remind me to water the plants this evening?",
    "The train to the city was late again this morning.",
    "My sister is visiting us next weekend with her children.",
    "I think we should paint the kitchen a lighter color.",
    "Please send the report to the whole team before lunch.",
    "The weather has been surprisingly warm for this time of year.",
    "We need to buy bread, cheese and some fresh vegetables.",
    "Do you know a good place to eat near the river?",
    "The meeting was moved because the manager is traveling.",
    "I left my umbrella at the office yesterday afternoon.",
    "Can you explain how the heating system works in this house?",
    "Our neighbors adopted a small dog from the animal shelter.",
]


def festival_available() -> bool:
    return shutil.which("text2wave") is not None


@functools.lru_cache(maxsize=256)
def _festival(text: str) -> tuple[bytes, int]:
    if not festival_available():
        raise RuntimeError("Festival is missing: run `make system-deps`")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "speech.wav"
        subprocess.run(
            ["text2wave", "-eval", f"({FESTIVAL_VOICE})", "-o", str(out)],
            input=text.encode(),
            check=True,
            timeout=60,
            capture_output=True,
        )
        with wave.open(str(out)) as wav:
            return wav.readframes(wav.getnframes()), wav.getframerate()


def speak(text: str) -> tuple[np.ndarray, int]:
    """``text`` in the caller's voice: int16 mono samples and their rate."""
    data, rate = _festival(text)
    return np.frombuffer(data, dtype=np.int16).copy(), rate


def room_noise(samples: int, rate: int, *, seed: int = 0, clicks: bool = True) -> np.ndarray:
    """A laptop microphone in a quiet room, generated: pink noise (air, fans), a
    low rumble (ventilation), mains hum and, unless ``clicks`` is false, a few soft
    clicks (keys, a chair)."""
    rng = np.random.default_rng(seed)
    spectrum = np.fft.rfft(rng.normal(size=samples))
    freqs = np.fft.rfftfreq(samples, 1 / rate)
    spectrum[1:] /= np.sqrt(freqs[1:])  # 1/f power: pink
    spectrum[0] = 0
    pink = np.fft.irfft(spectrum, n=samples)
    pink /= np.std(pink) or 1.0
    t = np.arange(samples) / rate
    rumble = np.sin(2 * np.pi * 31 * t + rng.uniform(0, 6)) * 0.5
    hum = sum(np.sin(2 * np.pi * 50 * k * t) * 0.15 / k for k in (1, 2, 3))
    transients = np.zeros(samples)
    count = max(samples // rate, 1) if clicks else 0  # about one click a second
    for at in rng.integers(0, max(samples - 200, 1), size=count):
        transients[at : at + 200] += rng.normal(
            0, 2.0, size=len(transients[at : at + 200])
        ) * np.hanning(len(transients[at : at + 200]))
    noise = pink + rumble + hum + transients
    return np.asarray(noise / np.std(noise), dtype=np.float64)


def mix_at_snr(speech: np.ndarray, rate: int, snr_db: float, *, seed: int = 0) -> np.ndarray:
    """``speech`` (int16) with room noise under it at ``snr_db`` (speech power over
    noise power, measured where the speech is), as int16."""
    clean = speech.astype(np.float64)
    voiced = clean[np.abs(clean) > 0.02 * np.max(np.abs(clean))]
    speech_power = float(np.mean(voiced**2)) if voiced.size else 0.0
    noise = room_noise(len(clean), rate, seed=seed)
    noise *= np.sqrt(speech_power / 10 ** (snr_db / 10))
    return np.asarray(np.clip(clean + noise, -32768, 32767), dtype=np.int16)


def pad(pcm: np.ndarray, rate: int, *, lead_s: float = 0.5, tail_s: float = 1.0) -> np.ndarray:
    """Silence before and after ``pcm``: room for VAD to open and close."""
    return np.concatenate(
        [
            np.zeros(int(rate * lead_s), dtype=np.int16),
            pcm.astype(np.int16),
            np.zeros(int(rate * tail_s), dtype=np.int16),
        ]
    )


def frames_of(audio: np.ndarray, rate: int, *, frame_ms: int = 20) -> list[rtc.AudioFrame]:
    """``audio`` (int16) as ``frame_ms`` frames, the last partial frame dropped."""
    step = rate * frame_ms // 1000
    return [
        rtc.AudioFrame(
            data=audio[i : i + step].tobytes(),
            sample_rate=rate,
            num_channels=1,
            samples_per_channel=step,
        )
        for i in range(0, len(audio) - step + 1, step)
    ]


def caller_frames(text: str, *, snr_db: float | None = None, seed: int = 0) -> list[rtc.AudioFrame]:
    """``text`` spoken by the caller's voice, padded with silence, optionally over
    room noise (the noise runs through the silences too, as on a real microphone)."""
    pcm, rate = speak(text)
    audio = pad(pcm, rate)
    if snr_db is not None:
        audio = mix_at_snr(audio, rate, snr_db, seed=seed)
    return frames_of(audio, rate)


async def hear(recognizer: stt.STT[Any], frames: list[rtc.AudioFrame], timeout: float = 60) -> str:
    """Everything ``recognizer`` heard in ``frames`` (its final transcripts, joined).

    A non-streaming recogniser is given VAD the way the session gives it."""
    stream = recognizer.stream()
    for frame in frames:
        stream.push_frame(frame)
    stream.end_input()
    heard: list[str] = []

    async def read() -> None:
        async for event in stream:
            if event.type == stt.SpeechEventType.FINAL_TRANSCRIPT:
                heard.append(event.alternatives[0].text)

    try:
        await asyncio.wait_for(read(), timeout=timeout)
    finally:
        await stream.aclose()
    return " ".join(heard).strip()


def words(text: str) -> list[str]:
    """Lower-case words without punctuation (what a word score compares)."""
    # one word however it is spelled: Whisper writes "good-bye", Moonshine "goodbye"
    text = text.lower().replace("good-bye", "goodbye")
    return re.findall(r"[a-z']+", text.replace("-", " "))


def word_errors(said: str, heard: str) -> tuple[int, int]:
    """(word-level edit distance, words said): substitutions + deletions + insertions."""
    ref, hyp = words(said), words(heard)
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        row = [i]
        for j, h in enumerate(hyp, 1):
            row.append(min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = row
    return previous[-1], len(ref)


def word_accuracy(pairs: list[tuple[str, str]]) -> float:
    """1 − word error rate over (said, heard) pairs (can go below 0 with many insertions)."""
    errors = total = 0
    for said, heard in pairs:
        e, n = word_errors(said, heard)
        errors += e
        total += n
    return 1.0 - errors / total if total else 0.0
