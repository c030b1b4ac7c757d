"""Has the caller gone quiet? A frame-energy check, not a second VAD.

The session's VAD decides where speech ends (and flushes the recogniser then); this only
tells the recogniser, a few hundred milliseconds earlier, that the tail of the buffer is
quiet enough to be worth a full decode (the preflight transcript). A wrong guess costs
one extra decode, never a wrong turn.
"""

from __future__ import annotations

import math

import numpy as np

SILENCE_DB = -100.0
VOICED_ABOVE_FLOOR_DB = 9.0
"""A frame this far above the noise floor is speech (room noise at 12 dB SNR stays below)."""
QUIETEST_VOICE_DB = -55.0
"""Nothing quieter than this counts as speech, whatever the floor."""
FLOOR_RISE_DB = 0.02
"""How fast the floor creeps up per frame (it drops at once): it follows louder noise."""


def level_db(samples: np.ndarray) -> float:
    """A frame's RMS in dB full scale (int16 samples)."""
    if samples.size == 0:
        return SILENCE_DB
    rms = math.sqrt(float(np.mean(np.square(samples.astype(np.float64))))) / 32768.0
    return 20 * math.log10(rms) if rms > 1e-5 else SILENCE_DB


class QuietTail:
    """Tracks the noise floor and how long the caller has been quiet."""

    def __init__(self, *, quiet_after_s: float) -> None:
        self._quiet_after_s = quiet_after_s
        self._floor: float | None = None
        self.quiet_s = 0.0
        """Seconds since the last voiced frame."""

    def push(self, samples: np.ndarray, sample_rate: int) -> bool:
        """Account one frame; True when it is voiced."""
        level = level_db(samples)
        if self._floor is None or level < self._floor:
            self._floor = level
        else:
            self._floor += FLOOR_RISE_DB
        voiced = level > QUIETEST_VOICE_DB and level > self._floor + VOICED_ABOVE_FLOOR_DB
        self.quiet_s = 0.0 if voiced else self.quiet_s + samples.size / sample_rate
        return voiced

    @property
    def quiet(self) -> bool:
        """Quiet for at least ``quiet_after_s``."""
        return self.quiet_s >= self._quiet_after_s
