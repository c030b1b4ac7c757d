"""Offline voice benchmark: how well and how fast the `local` STT and TTS work here.

    .venv/bin/python -m bench.voice [--skip-v2v] [--turns 20]

1. **Word accuracy**, clean and over generated room noise at 12 dB SNR: sentences the
   agent's code never saw, in a voice that is not the agent's (Festival's slt HTS), each
   recognised by Whisper tiny.en as the session would (one VAD-bounded utterance), at
   the default beam (5) and greedy (1). Word accuracy = 1 − word error rate.
2. **STT latency per second of speech**: Whisper's time over the utterance's length.
3. **TTS time to first audio**: Piper and eSpeak NG through the provider's stream, on a
   two-sentence reply (first audio = the first sentence's) and the real-time factor.
1b. **The streaming STT's engines** (``bench.stt_streaming``): Moonshine tiny, Whisper,
   and Moonshine with Whisper for unsure finals at several thresholds, on 36 sentences,
   clean, in room noise and in babble at 12 dB SNR.
4. **Voice-to-voice** over real WebRTC (``bench.e2e``'s offline part): the caller speaks
   open sentences in Festival's voice, with no grammar, the agent runs its local
   providers; p50/p95 at the caller over ``--turns`` turns, the per-stage split and the
   agent's CPU per call, once per ``--engines`` (``LOCAL_STT_ENGINE``: ``streaming`` is
   Moonshine + Whisper, ``whisper`` the former path, Whisper behind a second VAD).

The machine is shared: the load average is printed with every part.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from livekit import rtc

from agent_app.providers.offline.espeak_tts import ESpeakTTS
from agent_app.providers.offline.piper_tts import PiperTTS
from agent_app.providers.offline.whisper_stt import WhisperOptions, load_model, transcribe
from bench import stt_streaming
from harness.caller.voice import OPEN_SENTENCES, mix_at_snr, pad, speak, word_accuracy

NOISY_SNR_DB = 12.0
REPLY = "It's ten past nine on Friday. Is there anything else I can help you with?"


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min) {five:.1f} (5 min) on {os.cpu_count()} cores"


def pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def to_16k_float(pcm: np.ndarray, rate: int) -> np.ndarray:
    """What WhisperSTT feeds the model: 16 kHz mono float32."""
    resampler = rtc.AudioResampler(rate, 16_000, quality=rtc.AudioResamplerQuality.HIGH)
    frames = resampler.push(bytearray(pcm.astype(np.int16).tobytes())) + resampler.flush()
    out = np.concatenate([np.frombuffer(bytes(f.data), dtype=np.int16) for f in frames])
    return out.astype(np.float32) / 32768.0


def stt_part(threads: int) -> None:
    print(f"\n== 1-2. Whisper tiny.en: word accuracy and latency ({threads} threads) ==")
    print(load())
    load_model(threads)
    clips = []
    for seed, sentence in enumerate(OPEN_SENTENCES):
        pcm, rate = speak(sentence)
        padded = pad(pcm, rate, lead_s=0.2, tail_s=0.3)  # about what VAD leaves around speech
        clips.append(
            (
                sentence,
                to_16k_float(padded, rate),
                to_16k_float(mix_at_snr(padded, rate, NOISY_SNR_DB, seed=seed), rate),
            )
        )
    speech_s = sum(len(clean) / 16_000 for _, clean, _ in clips)
    print(f"{len(clips)} sentences, {speech_s:.1f} s of audio (Festival slt HTS)")
    for beam in (5, 1):
        options = WhisperOptions(cpu_threads=threads, beam_size=beam)
        for label, index in (("clean", 1), (f"{NOISY_SNR_DB:.0f} dB SNR", 2)):
            pairs, per_second = [], []
            for clip in clips:
                audio = clip[index]
                assert isinstance(audio, np.ndarray)
                started = time.perf_counter()
                heard = transcribe(audio, options)
                per_second.append((time.perf_counter() - started) / (len(audio) / 16_000))
                pairs.append((str(clip[0]), heard))
            misheard = [(s, h) for s, h in pairs if word_accuracy([(s, h)]) < 1]
            print(
                f"beam {beam}  {label:>9}: word accuracy {word_accuracy(pairs):6.1%}   "
                f"STT time per second of speech p50 {statistics.median(per_second):.3f} s "
                f"p95 {pct(per_second, 0.95):.3f} s   ({len(misheard)} sentences not exact)"
            )
            for said, heard in misheard[:3]:
                print(f"      said {said!r}\n     heard {heard!r}")
    print(load())


async def first_audio(tts: PiperTTS | ESpeakTTS, text: str) -> tuple[float, float, float]:
    """(seconds to the first audio frame, seconds to the last, seconds of audio)."""
    started = time.perf_counter()
    first = None
    audio_s = 0.0
    async with tts.synthesize(text) as stream:
        async for chunk in stream:
            if first is None:
                first = time.perf_counter() - started
            audio_s += chunk.frame.duration
    return first or 0.0, time.perf_counter() - started, audio_s


async def tts_part(threads: int, runs: int = 7) -> None:
    print(f"\n== 3. TTS time to first audio ({runs} runs of a two-sentence reply) ==")
    print(load())
    for name, tts in (("piper joe", PiperTTS(cpu_threads=threads)), ("espeak-ng", ESpeakTTS())):
        await first_audio(tts, "Warming up.")
        results = [await first_audio(tts, REPLY) for _ in range(runs)]
        firsts = [r[0] for r in results]
        rtf = [r[1] / r[2] for r in results if r[2]]
        print(
            f"{name:10}: first audio p50 {statistics.median(firsts) * 1000:5.0f} ms "
            f"p95 {pct(firsts, 0.95) * 1000:5.0f} ms   real-time factor p50 "
            f"{statistics.median(rtf):.3f}   ({results[0][2]:.1f} s of audio)"
        )
    print(load())


async def v2v_part(turns: int, engine: str) -> None:
    """``bench.e2e``'s offline part: a real LiveKit server, API and emulators, the agent's
    worker with its local providers, one caller at a time."""
    from bench.e2e.offline import OFFLINE_SENTENCES, offline_part
    from bench.e2e.records import Timing
    from bench.e2e.worker import stop_leftover_children
    from harness.caller import synthesize
    from harness.stack import full_stack

    print(f"\n== 4. voice-to-voice over WebRTC, {turns} turns, LOCAL_STT_ENGINE={engine} ==")
    os.environ["LOCAL_STT_ENGINE"] = engine  # the worker inherits the environment
    print(load())
    for sentence in OFFLINE_SENTENCES:
        synthesize(sentence)  # cached: no speech synthesis while measuring
    work = Path(tempfile.mkdtemp(prefix="parley-bench-voice-"))
    try:
        with full_stack(work) as svc:
            await offline_part(work, svc, turns, Timing.of_agent())
    finally:
        stop_leftover_children()
        shutil.rmtree(work, ignore_errors=True)
    print(load())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stt-threads", type=int, default=2)
    parser.add_argument("--tts-threads", type=int, default=1)
    parser.add_argument("--skip-v2v", action="store_true")
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--engines", default="streaming,whisper")
    parser.add_argument("--skip-engines", action="store_true", help="skip part 1b")
    args = parser.parse_args()
    stt_part(args.stt_threads)
    if not args.skip_engines:
        stt_streaming.run(to_16k_float, args.stt_threads)
    asyncio.run(tts_part(args.tts_threads))
    if not args.skip_v2v:
        for engine in args.engines.split(","):
            asyncio.run(v2v_part(args.turns, engine.strip()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
