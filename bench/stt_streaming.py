"""The streaming `local` STT's engines on one utterance set: Moonshine tiny alone, Whisper
tiny.en alone, and Moonshine with Whisper for the finals it is unsure of, at several
thresholds; clean, over room noise and over babble, each at 12 dB SNR.

Sentences: the 12 of the tests and 24 more here, none seen by the agent's code, in
Festival's voice. Babble: three other sentences of the set, in the same voice, offset
and summed (a room of people talking), mixed under the speech at the same SNR.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from agent_app.providers.offline import moonshine
from agent_app.providers.offline.whisper_stt import WhisperOptions, load_model, transcribe
from harness.caller.voice import OPEN_SENTENCES, mix_at_snr, pad, speak, word_accuracy

MORE_SENTENCES = [
    "The library closes early on public holidays.",
    "Could you check whether the parcel has arrived yet?",
    "My brother fixed the old bicycle in the garage.",
    "We watched a documentary about whales last night.",
    "Please turn off the lights when you leave the room.",
    "The bakery on the corner sells wonderful apple pie.",
    "I forgot to bring my glasses to the cinema.",
    "She is learning to play the piano after work.",
    "The children built a snowman in the front garden.",
    "How long does it take to drive to the airport?",
    "Remember to call the dentist about your appointment.",
    "The museum has a new exhibition on ancient maps.",
    "Our flight was delayed because of the storm.",
    "Would you like some tea or coffee with breakfast?",
    "The farmer sold fresh eggs at the market.",
    "Let's meet outside the station at noon.",
    "The printer on the second floor is out of paper.",
    "He always reads the newspaper before dinner.",
    "We planted tomatoes and beans along the fence.",
    "Can you recommend a book for a long journey?",
    "The hotel room had a beautiful view of the lake.",
    "My phone battery runs out far too quickly.",
    "The orchestra played until late in the evening.",
    "Please lock the back door before going to bed.",
]
SENTENCES = OPEN_SENTENCES + MORE_SENTENCES
SNR_DB = 12.0
THRESHOLDS = [-math.inf, -2.0, -1.5, -1.0, -0.7, -0.5, 0.0]
"""Lowest token log-probability below which Whisper decides (−inf: never, 0: always)."""


@dataclass
class Heard:
    said: str
    fast: moonshine.Transcript
    fast_s: float
    careful: str
    careful_s: float


def babble(rate: int, samples: int, skip: int) -> np.ndarray:
    """Three other sentences of the set, offset and summed, as long as ``samples``."""
    out = np.zeros(samples)
    for k, offset in enumerate((0.0, 0.7, 1.5)):
        pcm, pcm_rate = speak(SENTENCES[(skip + 5 + 7 * k) % len(SENTENCES)])
        assert pcm_rate == rate
        start = int(offset * rate)
        voice = np.tile(pcm.astype(np.float64), 2)[: max(samples - start, 0)]
        out[start : start + voice.size] += voice
    return out


def mix_babble(speech: np.ndarray, rate: int, skip: int) -> np.ndarray:
    clean = speech.astype(np.float64)
    voiced = clean[np.abs(clean) > 0.02 * np.max(np.abs(clean))]
    noise = babble(rate, clean.size, skip)
    noise *= math.sqrt(float(np.mean(voiced**2)) / 10 ** (SNR_DB / 10) / float(np.mean(noise**2)))
    return np.asarray(np.clip(clean + noise, -32768, 32767), dtype=np.int16)


def run(convert: Callable[[np.ndarray, int], np.ndarray], threads: int) -> None:
    """Print each engine's word accuracy and decode time, and the threshold sweep."""
    print(f"\n== 1b. streaming local STT engines: {len(SENTENCES)} sentences, {SNR_DB:.0f} dB ==")
    load_model(threads)
    moonshine.load_model(1)
    whisper = WhisperOptions(cpu_threads=threads, beam_size=5)
    conditions: dict[str, list[Heard]] = {"clean": [], "room noise": [], "babble": []}
    for seed, sentence in enumerate(SENTENCES):
        pcm, rate = speak(sentence)
        padded = pad(pcm, rate, lead_s=0.2, tail_s=0.3)
        versions = {
            "clean": padded,
            "room noise": mix_at_snr(padded, rate, SNR_DB, seed=seed),
            "babble": mix_babble(padded, rate, seed),
        }
        for label, audio in versions.items():
            samples = convert(audio, rate)
            started = time.perf_counter()
            fast = moonshine.transcribe(samples, 1)
            fast_s = time.perf_counter() - started
            started = time.perf_counter()
            careful = transcribe(samples, whisper)
            careful_s = time.perf_counter() - started
            conditions[label].append(Heard(sentence, fast, fast_s, careful, careful_s))
    for label, heard in conditions.items():
        fast_ms = statistics.median(h.fast_s for h in heard) * 1000
        careful_ms = statistics.median(h.careful_s for h in heard) * 1000
        alone = word_accuracy([(h.said, h.fast.text) for h in heard])
        whisper_alone = word_accuracy([(h.said, h.careful) for h in heard])
        print(
            f"{label:>10}: Moonshine alone {alone:6.1%} ({fast_ms:.0f} ms p50),"
            f" Whisper beam 5 alone {whisper_alone:6.1%} ({careful_ms:.0f} ms p50)"
        )
    print("Moonshine, Whisper when its least likely token is below the threshold:")
    print("  threshold   clean  room noise  babble   Whisper on (clean / room / babble)")
    for threshold in THRESHOLDS:
        cells, shares = [], []
        for heard in conditions.values():
            unsure = [h.fast.min_logprob < threshold for h in heard]
            pairs = [
                (h.said, h.careful if u else h.fast.text)
                for h, u in zip(heard, unsure, strict=True)
            ]
            cells.append(f"{word_accuracy(pairs):6.1%}")
            shares.append(f"{sum(unsure)}/{len(heard)}")
        print(
            f"  {threshold:9.1f}  {cells[0]}  {cells[1]:>10}  {cells[2]:>6}   {' / '.join(shares)}"
        )
