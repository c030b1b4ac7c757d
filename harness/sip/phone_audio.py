"""What a caller's handset sends: Festival speech band-limited to the telephone band,
at 8 kHz, over line noise. G.711 itself is applied by the real call (PCMU on the wire)."""

from __future__ import annotations

import wave
from pathlib import Path

import av
import numpy as np

from harness.caller import voice

PHONE_RATE = 8_000
BAND_HZ = (300.0, 3_400.0)  # the narrowband telephone channel


def telephone_band(pcm: np.ndarray, rate: int) -> np.ndarray:
    """``pcm`` (any rate that 8 kHz divides) filtered to 300–3400 Hz, at 8 kHz, float."""
    if rate % PHONE_RATE:
        raise ValueError(f"cannot decimate {rate} Hz to {PHONE_RATE} Hz by an integer")
    spectrum = np.fft.rfft(pcm.astype(np.float64))
    freqs = np.fft.rfftfreq(len(pcm), 1 / rate)
    spectrum[(freqs < BAND_HZ[0]) | (freqs > BAND_HZ[1])] = 0
    filtered = np.fft.irfft(spectrum, n=len(pcm))
    return np.asarray(filtered[:: rate // PHONE_RATE], dtype=np.float64)


def line_noise(samples: int, *, seed: int = 0) -> np.ndarray:
    """Unit-power noise of a phone line: room noise and hiss through the telephone band."""
    rng = np.random.default_rng(seed)
    noise = voice.room_noise(samples, PHONE_RATE, seed=seed) + rng.normal(0, 0.5, samples)
    spectrum = np.fft.rfft(noise)
    freqs = np.fft.rfftfreq(samples, 1 / PHONE_RATE)
    spectrum[(freqs < BAND_HZ[0]) | (freqs > BAND_HZ[1])] = 0
    band = np.fft.irfft(spectrum, n=samples)
    return np.asarray(band / (np.std(band) or 1.0), dtype=np.float64)


def phone_speech(
    text: str, *, snr_db: float = 20.0, lead_s: float = 0.3, tail_s: float = 30.0, seed: int = 0
) -> np.ndarray:
    """``text`` as a handset sends it: int16 at 8 kHz, line noise at ``snr_db`` under the
    speech and through the silences (a long ``tail_s`` keeps the line open after it)."""
    pcm, rate = voice.speak(text)
    speech = telephone_band(pcm, rate)
    voiced = speech[np.abs(speech) > 0.02 * np.max(np.abs(speech))]
    power = float(np.mean(voiced**2)) if voiced.size else 1.0
    lead, tail = int(lead_s * PHONE_RATE), int(tail_s * PHONE_RATE)
    signal = np.concatenate([np.zeros(lead), speech, np.zeros(tail)])
    signal += line_noise(len(signal), seed=seed) * np.sqrt(power / 10 ** (snr_db / 10))
    return np.asarray(np.clip(signal, -32768, 32767), dtype=np.int16)


def quiet_line(seconds: float, *, level: float = 30.0, seed: int = 1) -> np.ndarray:
    """A line with nobody speaking: faint noise, int16 at 8 kHz."""
    noise = line_noise(int(seconds * PHONE_RATE), seed=seed) * level
    return np.asarray(noise, dtype=np.int16)


def write_wav(path: Path, pcm: np.ndarray, rate: int = PHONE_RATE) -> Path:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm.astype(np.int16).tobytes())
    return path


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """int16 mono samples of a WAV (the first channel of a stereo one) and its rate."""
    with wave.open(str(path)) as wav:
        data = np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16)
        channels, rate = wav.getnchannels(), wav.getframerate()
    return data[::channels].copy(), rate


def g711(pcm: np.ndarray) -> np.ndarray:
    """int16 ``pcm`` at 8 kHz through G.711 μ-law (PCMU) and back, as FFmpeg's codec does it."""
    frame = av.AudioFrame.from_ndarray(
        pcm.astype(np.int16).reshape(1, -1), format="s16", layout="mono"
    )
    frame.sample_rate = PHONE_RATE
    encoder = av.CodecContext.create("pcm_mulaw", "w")
    encoder.sample_rate, encoder.format, encoder.layout = PHONE_RATE, "s16", "mono"
    decoder = av.CodecContext.create("pcm_mulaw", "r")
    decoder.sample_rate, decoder.layout = PHONE_RATE, "mono"
    decoded = [
        f.to_ndarray().reshape(-1)
        for packet in encoder.encode(frame) + encoder.encode(None)
        for f in decoder.decode(packet)
    ]
    return np.concatenate(decoded).astype(np.int16)
