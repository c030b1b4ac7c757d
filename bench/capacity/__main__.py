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
import contextlib
import json
import math
import os
import random
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from agent_app.runtime.native_logs import keep_native_logs_native
from bench.agent_fakes import Latencies
from bench.capacity import pinning
from bench.capacity.callers import CallOutcome, Utterance, call, utterance
from bench.capacity.levels import (
    HEADER,
    Level,
    Sampler,
    Window,
    gc_pauses,
    pct,
    row,
    split_line,
    split_turns,
    turn_marks,
)
from bench.capacity.opus_callers import OpusCallers, OpusSpeech, run_calls
from bench.capacity.opus_callers import speech as opus_speech
from bench.running import run_in_work_dir, tree
from harness.agent import start_agent
from harness.api import ApiProcess
from harness.processes import ManagedProcess
from harness.redis_server import start_redis
from harness.stack import Stack, full_stack

SENTENCES = ["thank you goodbye", "thanks a lot", "goodbye", "thank you so much"]
DEGRADATION = 1.10
STAGGER_S = 0.25
"""Calls arrive this far apart (a burst, not one instant)."""
MAX_OFFSET_S = 1.5
"""Once all calls are up, each starts speaking after a random offset up to this."""
MIN_TURNS = 3
ENDPOINTING_S = 0.3
"""The agent's default MIN_ENDPOINTING_DELAY_SECONDS."""


# ------------------------------------------------------------------------------ stack


@contextlib.contextmanager
def stack(work: Path, with_redis: bool) -> Iterator[tuple[Stack, str | None]]:
    """``harness.full_stack()`` and, unless told otherwise, Redis (session leases)."""
    with contextlib.ExitStack() as stop:
        redis_url = None
        if with_redis:
            redis = start_redis(work)
            stop.callback(redis.stop)
            redis_url = redis.url
        yield stop.enter_context(full_stack(work)), redis_url


def stt_timing(args: argparse.Namespace, latencies: Latencies) -> str:
    if args.stt == "streaming" and args.stt_endpoint == "vad":
        return "at the VAD's end of speech"
    return f"{latencies.stt * 1000:.0f} ms"


def worker_env(args: argparse.Namespace, redis_url: str | None) -> dict[str, str]:
    env = {
        "BENCH_STT": args.stt,
        "BENCH_STT_ENDPOINT": args.stt_endpoint,
        "BENCH_MEDIA": args.media,
        "JOB_EXECUTOR": args.executor,
        "TURN_DETECTION": args.turn_detection,
        # the benchmark wants latency to degrade, not calls refused: neither by the worker
        # (LOAD_THRESHOLD) nor by the server, which offers no job to a worker whose load is
        # above its target_load (harness.livekit sets 2.0; CALLS_PER_CORE would pass it)
        "LOAD_THRESHOLD": "inf",
        "MAX_CALLS": str(10 * args.max_calls),
        "MIN_ENDPOINTING_DELAY_SECONDS": str(args.endpointing),
        "MAX_ENDPOINTING_DELAY_SECONDS": str(args.endpointing),
        "LOG_LEVEL": "INFO",
    }
    if args.idle is not None:
        env["NUM_IDLE_PROCESSES"] = str(args.idle)
    if redis_url is not None:
        env["REDIS_URL"] = redis_url
    return env


def worker_status(worker: ManagedProcess) -> dict[str, object]:
    url = f"http://127.0.0.1:{worker.env['HEALTH_PORT']}/worker"
    with urllib.request.urlopen(url, timeout=2) as resp:
        status: dict[str, object] = json.loads(resp.read())
        return status


def active_jobs(worker: ManagedProcess) -> int:
    value = worker_status(worker).get("active_jobs", 0)
    return int(value) if isinstance(value, int) else 0


# --------------------------------------------------------------------------- measuring


@dataclass(frozen=True)
class Speech:
    """The sentences, made once for the callers in use: Opus packets for the Go
    callers, ``AudioFrame``s for livekit.rtc ones."""

    opus: OpusSpeech | None = None
    rtc: list[Utterance] = field(default_factory=list)

    @classmethod
    def make(cls, callers: str) -> Speech:
        if callers == "go":
            return cls(opus=opus_speech(SENTENCES))
        return cls(rtc=[utterance(text) for text in SENTENCES])


class StartLine:
    """Holds the calls until every one is up (or gave up) and the worker has settled."""

    def __init__(self, n: int, timeout: float) -> None:
        self._waiting = n
        self._all = asyncio.Event()
        self._deadline = time.monotonic() + timeout
        self.released = asyncio.Event()

    def leave(self) -> None:
        self._waiting -= 1
        if self._waiting <= 0:
            self._all.set()

    async def arrive(self) -> None:
        self.leave()
        await self.released.wait()

    async def release_when_ready(self, worker_pid: int, window: Window, sampler: Sampler) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._all.wait(), max(0.0, self._deadline - time.monotonic()))
        await settle(worker_pid, 2.0, 30.0)
        sampler.window = window.begin()
        self.released.set()


async def settle(worker_pid: int, quiet_for: float, timeout: float) -> None:
    """Until the worker's process count has held still for ``quiet_for`` seconds (the
    pool replacing processes it handed to calls loads models: a burst of CPU)."""
    deadline = time.monotonic() + timeout
    last, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        count = len(tree(worker_pid))
        if count != last:
            last, since = count, time.monotonic()
        elif time.monotonic() - since >= quiet_for:
            return
        await asyncio.sleep(0.25)


async def run_level(
    n: int,
    api: ApiProcess,
    worker: ManagedProcess,
    sampler: Sampler,
    speech: Speech,
    turns: int,
    rng: random.Random,
) -> Level:
    assert worker.proc is not None
    pid = worker.proc.pid
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, ValueError):
            if active_jobs(worker) == 0:
                break
        await asyncio.sleep(0.5)
    await settle(pid, 3.0, 60.0)
    idle_pss, _, _ = pinning.tree_memory(pid)
    speed = pinning.fixed_loop_ms(min(pinning.tree_cores(pid)))
    log_from = worker.log_path.stat().st_size
    window = Window(pid)
    # each call says `turns` sentences, starting at a different one
    plans = [[(i + j) % len(SENTENCES) for j in range(turns)] for i in range(n)]
    if speech.opus is not None:
        log = work_dir(worker) / "gocallers.log"
        outcomes = await opus_level(n, api, pid, window, sampler, speech.opus, plans, rng, log)
    else:
        said = [[speech.rtc[k] for k in plan] for plan in plans]
        outcomes = await rtc_level(n, api, pid, window, sampler, said, rng)
    sampler.window = None
    window.end()
    with worker.log_path.open("rb") as log_file:
        log_file.seek(log_from)
        log_tail = log_file.read().decode(errors="replace")
    pauses = gc_pauses(log_tail)
    splits = split_turns(outcomes, turn_marks(log_tail))
    for error in sorted({o.error for o in outcomes if o.error}):
        print(f"    call failed ({sum(o.error == error for o in outcomes)}x): {error}")
    return Level(
        n,
        list(outcomes),
        n * turns,
        window,
        idle_pss,
        pinning.tree_cores(pid),
        speed,
        pauses,
        splits,
    )


async def opus_level(
    n: int,
    api: ApiProcess,
    worker_pid: int,
    window: Window,
    sampler: Sampler,
    speech: OpusSpeech,
    plans: list[list[int]],
    rng: random.Random,
    log: Path,
) -> list[CallOutcome]:
    """The level's calls from the Go callers' process."""
    callers = OpusCallers(
        api.base_url,
        api.api_key,
        speech,
        plans,
        stagger_s=STAGGER_S,
        max_offset_s=MAX_OFFSET_S,
        arrive_s=60 + n * STAGGER_S,
        seed=rng.randrange(1 << 31),
        log=log,
    )

    async def open_window() -> None:
        await settle(worker_pid, 2.0, 30.0)
        sampler.window = window.begin()

    return await run_calls(callers, open_window)


async def rtc_level(
    n: int,
    api: ApiProcess,
    worker_pid: int,
    window: Window,
    sampler: Sampler,
    plans: list[list[Utterance]],
    rng: random.Random,
) -> list[CallOutcome]:
    """The level's calls as livekit.rtc rooms in this process."""
    line = StartLine(n, timeout=60 + n * STAGGER_S)
    offsets = [rng.uniform(0, MAX_OFFSET_S) for _ in range(n)]

    async def one(i: int, client: httpx.AsyncClient) -> CallOutcome:
        await asyncio.sleep(i * STAGGER_S)
        arrived = False

        async def ready() -> None:
            nonlocal arrived
            arrived = True
            await line.arrive()
            await asyncio.sleep(offsets[i])

        try:
            return await call(client, api.api_key, plans[i], ready=ready)
        except Exception as e:
            return CallOutcome(error=f"{type(e).__name__}: {e}")
        finally:
            if not arrived:
                line.leave()

    async with httpx.AsyncClient(base_url=api.base_url, timeout=10) as client:
        release = asyncio.ensure_future(line.release_when_ready(worker_pid, window, sampler))
        outcomes = await asyncio.gather(*(one(i, client) for i in range(n)))
        await release
    return list(outcomes)


async def measure(args: argparse.Namespace, work: Path) -> int:
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
            with pinning.pinned({worker_core}):
                worker = start_agent(
                    work,
                    svc.livekit.ws_url,
                    svc.api.base_url,
                    svc.api.agent_key,
                    redis_url,
                    name="capacity-worker",
                    module="bench.capacity.worker",
                    extra_env=worker_env(args, redis_url),
                )
            try:
                return await levels(args, svc, worker, speech, worker_core, stack_core)
            finally:
                worker.stop(timeout=15)


async def levels(
    args: argparse.Namespace,
    svc: Stack,
    worker: ManagedProcess,
    speech: Speech,
    worker_core: int,
    stack_core: int,
) -> int:
    assert worker.proc is not None
    pid = worker.proc.pid
    await settle(pid, 3.0, 60.0)
    idle = Window(pid).begin()
    await asyncio.sleep(5.0)
    idle.end()
    pss, rss, procs = pinning.tree_memory(pid)
    print(
        f"worker idle: {procs} processes, PSS {pss:.0f} MB, RSS {rss:.0f} MB, CPU "
        f"{idle.worker_cores:.3f} cores; pinned to cores {sorted(pinning.tree_cores(pid))}\n"
    )
    print(HEADER, flush=True)
    rng = random.Random(12)
    baseline: float | None = None
    first_loop = 0.0
    held: list[Level] = []
    stopped = False
    counts = args.calls or [1, 2, *range(4, args.max_calls + 1, 2)]
    with Sampler() as sampler:
        for n in counts:
            turns = max(MIN_TURNS, math.ceil(args.samples / n))
            profile = None
            if args.profile == n:
                profile = start_profile(pid, work_dir(worker) / f"profile-{n}.txt")
            level = await run_level(n, svc.api, worker, sampler, speech, turns, rng)
            if profile is not None:
                stop_profile(profile)
            print(row(level, idle.worker_cores, worker_core, stack_core, args.stack_limit))
            by_thread = sorted(level.window.cores_by_thread().items(), key=lambda kv: -kv[1])
            print(
                "        worker cores by thread: "
                + ", ".join(
                    f"{name} {cores:.3f}" for name, cores in by_thread[:6] if cores >= 0.005
                )
            )
            jitters = [o.jitter_ms for o in level.outcomes if o.jitter_ms is not None]
            late = [o.mic_late_ms for o in level.outcomes if o.mic_late_ms is not None]
            if jitters and late:
                print(
                    "        the agent's audio at the callers: interarrival jitter "
                    f"{sum(jitters) / len(jitters):.1f} ms (RFC 3550, mean over calls); "
                    f"the callers' microphones woke at most {max(late):.0f} ms late"
                )
            first_loop = first_loop or level.fixed_loop_ms
            pauses = level.gc_pauses
            print(
                f"        worker core speed: a fixed loop took {level.fixed_loop_ms:.0f} ms "
                f"before this level ({level.fixed_loop_ms / first_loop:.2f} x the first); "
                f"garbage collections that stopped every call (>= 10 ms): {len(pauses)}"
                + (f", longest {max(pauses):.0f} ms" if pauses else "")
            )
            if level.splits:
                print(split_line(level))
            sys.stdout.flush()
            use = level.window.core_use().get(stack_core, 0.0)
            p95 = pct(level.v2v, 0.95) if level.v2v else math.inf
            if baseline is None:
                baseline = p95
            why = None
            if level.failures:
                reasons = ", ".join(f"{k}: {v}" for k, v in level.failure_reasons().items())
                why = f"{level.failures} failed turns ({reasons})"
            elif use > args.stack_limit:
                why = (
                    f"stack core {use * 100:.0f}% busy: level invalid, the callers' side saturated"
                )
            elif p95 > baseline * DEGRADATION:
                why = f"p95 {p95:.0f} ms > {DEGRADATION:.2f} x {baseline:.0f} ms"
            if why is None:
                if not stopped:  # past the first stop (--keep-going) a level is shown only
                    held.append(level)
                continue
            print(f"  stop at {n} calls: {why}")
            stopped = True
            if not args.keep_going:
                break
    cores = len(pinning.tree_cores(pid)) or 1
    best = max((lvl.calls for lvl in held), default=0)
    per_call = [lvl.pss_per_call for lvl in held]
    memory = sum(per_call) / len(per_call) if per_call else math.nan
    print(
        f"\nlimit: p95 within {(DEGRADATION - 1) * 100:.0f} % of one call "
        f"({baseline or math.nan:.0f} -> {(baseline or math.nan) * DEGRADATION:.0f} ms); "
        f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())} at the end"
    )
    print(f"calls per core: {best / cores:g}")
    print(f"memory per call: {memory:.0f} MB")
    return 0 if held else 1


def work_dir(worker: ManagedProcess) -> Path:
    return worker.log_path.parent


def start_profile(pid: int, out: Path) -> subprocess.Popen[bytes]:
    """py-spy on the whole worker tree, native frames included (WebRTC, onnxruntime), as
    collapsed stacks (one line per stack and its sample count; flamegraph tools read it).
    Native stacks need py-spy to pause the process at each sample: the profiled level's
    latencies are not representative."""
    spy = Path(sys.executable).with_name("py-spy")
    return subprocess.Popen(
        [
            str(spy),
            "record",
            "--pid",
            str(pid),
            "--subprocesses",
            "--native",
            "--rate",
            "50",
            "--format",
            "raw",
            "--output",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop_profile(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


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
