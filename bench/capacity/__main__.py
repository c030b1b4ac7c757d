"""Calls per core: one agent worker pinned to one core, everything else on another.

    make bench-capacity [BENCH_CAPACITY_ARGS="..."], or, once built,
    .venv/bin/python -m bench.capacity [--executor thread|loop|process] [--stt streaming|batch]
                                       [--media lean|legacy] [--turn-detection model|vad]
                                       [--callers go|rtc] [--idle N] [--max-calls 40]
                                       [--calls 1,4,8] [--samples 40] [--profile N]
                                       [--stt-endpoint vad|level] [--keep-going]

The defaults are the agent as shipped; ``--executor process --stt batch --media legacy``
is the set-up before this benchmark existed (a process per call, a second VAD in the
STT's StreamAdapter, livekit's default 24 kHz room input with gain control). The
streaming stand-in STT answers at the session VAD's end of speech, so its transcript
never keeps a turn waiting longer than the VAD would (``--stt-endpoint level``: its own
level test, as in sessions 4-5, which made some sentence endings wait 250 ms).

Starts Redis, Azurite, the Cosmos emulator, a LiveKit server and the API pinned to the
"stack" core, and ``bench.capacity.worker`` (``agent_app``'s worker and job with
providers of fixed latency) pinned to the "worker" core; every process and thread of
the worker's tree inherits the pin (checked at each level). The callers run on the
stack core too: by default one Go process (``bench/capacity/gocallers``, built by
``make bench-capacity``) that sends speech Opus-encoded once and times replies on RTP
arrival, cheap enough per call that the stack core stays far from saturation;
``--callers rtc`` runs them as livekit.rtc rooms in this process instead (an encoder,
a decoder and a resampler per call: the stack core saturates near 10 calls, and
replies are timed after the caller's playout buffer).

N concurrent calls = 1, 2, 4, 6, 8, ... until the p95 voice-to-voice exceeds the 1-call
figure by more than 10 % or a turn fails; every turn is accounted for (no reply, or a
reply before the caller finished, is a failure).

The agent's endpointing is pinned to its minimum (``MAX_ENDPOINTING_DELAY_SECONDS`` =
``MIN_ENDPOINTING_DELAY_SECONDS``): the v1-mini end-of-turn model still runs on every
turn, but its verdict on synthetic speech no longer adds 2.2 s to some turns, so what
grows with N is load, not the model's opinion of eSpeak.

A level where the stack core is busier than ``--stack-limit`` is reported invalid: the
callers or the LiveKit server, not the worker, may be what got slower. Each level also
prints how long a fixed loop took on the worker core just before it (this VM's speed
moves by up to half within one run) and the worker's garbage collections of 10 ms or
more during it (each stops every call). The last two lines are ``calls per core: N``
(the largest valid N within 10 %, divided by the worker's cores) and ``memory per
call: M MB`` (PSS above the idle worker per call, averaged over the levels held).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from agent_app.runtime.native_logs import keep_native_logs_native
from bench.agent_fakes import Latencies
from bench.capacity import pinning
from bench.capacity.one_level import Speech
from bench.capacity.stack import stack, start_worker
from bench.capacity.sweep import sweep
from bench.running import run_in_work_dir

ENDPOINTING_S = 0.3
"""The agent's default MIN_ENDPOINTING_DELAY_SECONDS."""


def stt_timing(args: argparse.Namespace, latencies: Latencies) -> str:
    if args.stt == "streaming" and args.stt_endpoint == "vad":
        return "at the VAD's end of speech"
    return f"{latencies.stt * 1000:.0f} ms"


async def measure(args: argparse.Namespace, work: Path) -> int:
    """Prints the set-up, starts the stack and the pinned worker, and runs the levels."""
    # the callers are livekit.rtc clients too: without capture, their native debug logs
    # cost no Python time on the stack core (agent_app/runtime/native_logs.py)
    keep_native_logs_native()
    worker_core, stack_core = args.worker_core, args.stack_core
    latencies = Latencies()
    print(
        f"machine: {os.cpu_count()} cores; worker on core {worker_core}, stack and callers on "
        f"core {stack_core}; load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}"
    )
    print(
        f"worker: {args.executor} executor, {args.stt} STT, {args.media} room input, end of "
        f"turn by {args.turn_detection}, idle jobs "
        f"{'default' if args.idle is None else args.idle}; providers fixed: STT "
        f"{stt_timing(args, latencies)}, LLM TTFT {latencies.llm_ttft * 1000:.0f} ms, "
        f"TTS TTFB {latencies.tts_ttfb * 1000:.0f} ms; endpointing {args.endpointing * 1000:.0f} ms"
    )
    with pinning.pinned({stack_core}):
        speech = Speech.make(args.callers)  # the voice and encoding once, before measuring
        with stack(work, with_redis=not args.no_redis) as (svc, redis_url):
            worker = start_worker(args, work, svc, redis_url)
            try:
                return await sweep(args, svc, worker, speech, worker_core, stack_core)
            finally:
                worker.stop(timeout=15)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--executor", choices=["thread", "loop", "process"], default="thread")
    parser.add_argument("--stt", choices=["streaming", "batch"], default="streaming")
    parser.add_argument(
        "--stt-endpoint",
        choices=["vad", "level"],
        default="vad",
        help="the streaming stand-in's transcript: at the session VAD's end of speech "
        "(default), or 100 ms after 250 ms below a level (sessions 4-5; some sentence "
        "endings then wait 250 ms more at any load)",
    )
    parser.add_argument(
        "--turn-detection",
        choices=["model", "vad"],
        default="model",
        help="TURN_DETECTION: the v1-mini end-of-turn model (default) or silence alone",
    )
    parser.add_argument(
        "--callers",
        choices=["go", "rtc"],
        default="go",
        help="the Go callers sending pre-encoded Opus (default) or livekit.rtc rooms here",
    )
    parser.add_argument(
        "--endpointing",
        type=float,
        default=ENDPOINTING_S,
        help="MIN_ENDPOINTING_DELAY_SECONDS (and MAX, see above) in seconds",
    )
    parser.add_argument("--idle", type=int, help="NUM_IDLE_PROCESSES (default: the worker's)")
    parser.add_argument(
        "--media",
        choices=["lean", "legacy"],
        default="lean",
        help=(
            "room input: agent_app.runtime.room_audio's (16 kHz, no gain control) "
            "or livekit's default"
        ),
    )
    parser.add_argument("--max-calls", type=int, default=40)
    parser.add_argument(
        "--calls",
        type=lambda text: [int(n) for n in text.split(",")],
        help="measure these levels only, e.g. 1,8 (the first is the baseline)",
    )
    parser.add_argument(
        "--samples",
        type=int,
        default=40,
        help="turns measured per level (p95 of fewer is nearly the maximum: one outlier)",
    )
    parser.add_argument("--worker-core", type=int, default=0)
    parser.add_argument("--stack-core", type=int, default=1)
    parser.add_argument(
        "--stack-limit",
        type=float,
        default=0.9,
        help="stack core use above which a level is invalid",
    )
    parser.add_argument("--no-redis", action="store_true", help="no Redis: no session leases")
    parser.add_argument("--profile", type=int, help="py-spy the worker during this level")
    parser.add_argument("--keep-going", action="store_true", help="measure past the limit")
    parser.add_argument("--keep-logs", action="store_true")
    args = parser.parse_args()
    available = os.sched_getaffinity(0)
    if not {args.worker_core, args.stack_core} <= available or args.worker_core == args.stack_core:
        parser.error(f"need two distinct cores among {sorted(available)}")
    return run_in_work_dir(
        "parley-bench-capacity-",
        lambda work: asyncio.run(measure(args, work)),
        keep_logs=args.keep_logs or args.profile is not None,
    )


if __name__ == "__main__":
    sys.exit(main())
