"""Calls per core: one agent worker pinned to one core, everything else on another.

    .venv/bin/python -m bench.capacity [--executor thread|process] [--stt streaming|batch]
                                       [--media lean|legacy] [--idle N] [--max-calls 40]
                                       [--samples 16] [--profile N] [--keep-going]

The defaults are the agent as shipped; ``--executor process --stt batch --media legacy``
is the set-up before this benchmark existed (a process per call, a second VAD in the
STT's StreamAdapter, livekit's default 24 kHz room input with gain control).

Starts Redis, Azurite, the Cosmos emulator, a LiveKit server and the API pinned to the
"stack" core, and ``bench.capacity.worker`` (``agent_app``'s worker and job with
providers of fixed latency) pinned to the "worker" core; every process and thread of
the worker's tree inherits the pin (checked at each level). The callers run in this
process, on the stack core. N concurrent calls = 1, 2, 4, 6, 8, ... until the p95
voice-to-voice exceeds the 1-call figure by more than 10 % or a turn fails; every turn
is accounted for (no reply, or a reply before the caller finished, is a failure).

The agent's endpointing is pinned to its minimum (``MAX_ENDPOINTING_DELAY_SECONDS`` =
``MIN_ENDPOINTING_DELAY_SECONDS``): the v1-mini end-of-turn model still runs on every
turn, but its verdict on synthetic speech no longer adds 2.2 s to some turns, so what
grows with N is load, not the model's opinion of eSpeak.

A level where the stack core is busier than ``--stack-limit`` is reported invalid: the
callers or the LiveKit server, not the worker, may be what got slower. The last two
lines are ``calls per core: N`` (the largest valid N within 10 %, divided by the worker's
cores) and ``memory per call: M MB`` (PSS above the idle worker per call, averaged over
the levels held).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import httpx

from bench.agent_fakes import Latencies
from bench.capacity import pinning
from bench.capacity.callers import CallOutcome, Utterance, call, utterance
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


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


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


def worker_env(args: argparse.Namespace, redis_url: str | None) -> dict[str, str]:
    env = {
        "BENCH_STT": args.stt,
        "BENCH_MEDIA": args.media,
        "JOB_EXECUTOR": args.executor,
        # the benchmark wants latency to degrade, not calls refused
        "LOAD_THRESHOLD": "inf",
        "MIN_ENDPOINTING_DELAY_SECONDS": str(ENDPOINTING_S),
        "MAX_ENDPOINTING_DELAY_SECONDS": str(ENDPOINTING_S),
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


@dataclass
class Window:
    """CPU and memory of the worker, and each core's use, over one measured interval."""

    worker_pid: int
    started: float = field(default_factory=time.monotonic)
    cpu_start: dict[tuple[int, float], float] = field(default_factory=dict)
    cpu_end: dict[tuple[int, float], float] = field(default_factory=dict)
    cores_start: dict[int, pinning.CoreTimes] = field(default_factory=dict)
    cores_end: dict[int, pinning.CoreTimes] = field(default_factory=dict)
    ended: float = 0.0
    peak_pss: float = 0.0
    peak_procs: int = 0
    threads_start: dict[tuple[int, int], tuple[str, float]] = field(default_factory=dict)
    threads_end: dict[tuple[int, int], tuple[str, float]] = field(default_factory=dict)
    load_start: float = field(default_factory=lambda: os.getloadavg()[0])

    def begin(self) -> Window:
        self.started = time.monotonic()
        self.cpu_start = pinning.tree_cpu_seconds(self.worker_pid)
        self.cpu_end = dict(self.cpu_start)
        self.cores_start = pinning.core_times()
        self.threads_start = pinning.thread_cpu_seconds(self.worker_pid)
        self.threads_end = dict(self.threads_start)
        return self

    def sample(self) -> None:
        self.cpu_end.update(pinning.tree_cpu_seconds(self.worker_pid))
        self.threads_end.update(pinning.thread_cpu_seconds(self.worker_pid))
        pss, _, procs = pinning.tree_memory(self.worker_pid)
        self.peak_pss = max(self.peak_pss, pss)
        self.peak_procs = max(self.peak_procs, procs)

    def end(self) -> Window:
        self.sample()
        self.cores_end = pinning.core_times()
        self.ended = time.monotonic()
        return self

    @property
    def worker_cores(self) -> float:
        used = sum(v - self.cpu_start.get(k, 0.0) for k, v in self.cpu_end.items())
        return used / max(1e-6, self.ended - self.started)

    def cores_by_thread(self) -> dict[str, float]:
        """Worker cores used per kind of thread: "python" for interpreter threads, else
        the native thread's name (numbered pools folded together)."""
        out: dict[str, float] = {}
        span = max(1e-6, self.ended - self.started)
        for key, (name, cpu) in self.threads_end.items():
            start = self.threads_start.get(key, (name, 0.0))[1]
            kind = "python" if name.startswith("python") else name.rstrip("0123456789-_ ")
            out[kind] = out.get(kind, 0.0) + (cpu - start) / span
        return out

    def core_use(self) -> dict[int, float]:
        return pinning.utilisation(self.cores_start, self.cores_end)


class Sampler:
    """Samples the open window once a second in a thread (process exits lose little)."""

    def __init__(self) -> None:
        self.window: Window | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="capacity-sampler", daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            window = self.window
            if window is not None:
                with contextlib.suppress(Exception):
                    window.sample()


@dataclass
class Level:
    calls: int
    outcomes: list[CallOutcome]
    planned: int
    window: Window
    idle_pss: float
    worker_cores: set[int]

    @property
    def v2v(self) -> list[float]:
        return [t.v2v_ms for o in self.outcomes for t in o.turns if t.ok and t.v2v_ms is not None]

    @property
    def failures(self) -> int:
        return self.planned - len(self.v2v)

    @property
    def pss_per_call(self) -> float:
        return (self.window.peak_pss - self.idle_pss) / self.calls


# ------------------------------------------------------------------------------ levels


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
        count = len(pinning.tree(worker_pid))
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
    speech: list[Utterance],
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
    window = Window(pid)
    line = StartLine(n, timeout=60 + n * STAGGER_S)
    offsets = [rng.uniform(0, MAX_OFFSET_S) for _ in range(n)]
    plans = [[speech[(i + j) % len(speech)] for j in range(turns)] for i in range(n)]

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
        release = asyncio.ensure_future(line.release_when_ready(pid, window, sampler))
        outcomes = await asyncio.gather(*(one(i, client) for i in range(n)))
        await release
    sampler.window = None
    window.end()
    for error in sorted({o.error for o in outcomes if o.error}):
        print(f"    call failed ({sum(o.error == error for o in outcomes)}x): {error}")
    return Level(n, list(outcomes), n * turns, window, idle_pss, pinning.tree_cores(pid))


HEADER = (
    " calls turns fail |  v2v p50   p95 | worker CPU  /call | PSS MB  +/call | "
    "stack core | load | valid"
)


def row(level: Level, idle_cpu: float, worker_core: int, stack_core: int, limit: float) -> str:
    w, n = level.window, level.calls
    v2v = level.v2v
    p50 = pct(v2v, 0.5) if v2v else math.nan
    p95 = pct(v2v, 0.95) if v2v else math.nan
    use = w.core_use()
    valid = "yes" if use.get(stack_core, 0.0) <= limit else "NO: stack core saturated"
    return (
        f" {n:5d} {level.planned:5d} {level.failures:4d} | {p50:8.0f} {p95:5.0f} |"
        f" {w.worker_cores:10.2f} {(w.worker_cores - idle_cpu) / n:5.3f} |"
        f" {w.peak_pss:6.0f} {level.pss_per_call:7.1f} |"
        f" {use.get(stack_core, 0.0) * 100:9.0f}% | {w.load_start:4.1f} | {valid}"
        + ("" if level.worker_cores <= {worker_core} else "  (worker not pinned!)")
    )


async def measure(args: argparse.Namespace, work: Path) -> int:
    worker_core, stack_core = args.worker_core, args.stack_core
    latencies = Latencies()
    print(
        f"machine: {os.cpu_count()} cores; worker on core {worker_core}, stack and callers on "
        f"core {stack_core}; load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}"
    )
    print(
        f"worker: {args.executor} executor, {args.stt} STT, {args.media} room input, idle jobs "
        f"{'default' if args.idle is None else args.idle}; providers fixed: STT "
        f"{latencies.stt * 1000:.0f} ms, LLM TTFT {latencies.llm_ttft * 1000:.0f} ms, "
        f"TTS TTFB {latencies.tts_ttfb * 1000:.0f} ms; endpointing {ENDPOINTING_S * 1000:.0f} ms"
    )
    with pinning.pinned({stack_core}):
        speech = [utterance(text) for text in SENTENCES]  # eSpeak once, before measuring
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
    speech: list[Utterance],
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
    held: list[Level] = []
    counts = [1, 2, *range(4, args.max_calls + 1, 2)]
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
            sys.stdout.flush()
            use = level.window.core_use().get(stack_core, 0.0)
            p95 = pct(level.v2v, 0.95) if level.v2v else math.inf
            if baseline is None:
                baseline = p95
            why = None
            if level.failures:
                why = f"{level.failures} failed turns"
            elif use > args.stack_limit:
                why = (
                    f"stack core {use * 100:.0f}% busy: level invalid, the callers' side saturated"
                )
            elif p95 > baseline * DEGRADATION:
                why = f"p95 {p95:.0f} ms > {DEGRADATION:.2f} x {baseline:.0f} ms"
            if why is None:
                held.append(level)
                continue
            print(f"  stop at {n} calls: {why}")
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


def _terminate(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--executor", choices=["thread", "process"], default="thread")
    parser.add_argument("--stt", choices=["streaming", "batch"], default="streaming")
    parser.add_argument("--idle", type=int, help="NUM_IDLE_PROCESSES (default: the worker's)")
    parser.add_argument(
        "--media",
        choices=["lean", "legacy"],
        default="lean",
        help="room input: agent_app.room_audio's (16 kHz, no gain control) or livekit's default",
    )
    parser.add_argument("--max-calls", type=int, default=40)
    parser.add_argument("--samples", type=int, default=16, help="turns measured per level")
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
    signal.signal(signal.SIGTERM, _terminate)
    work = Path(tempfile.mkdtemp(prefix="parley-bench-capacity-"))
    keep, status = args.keep_logs or args.profile is not None, 1
    try:
        status = asyncio.run(measure(args, work))
    except KeyboardInterrupt:
        keep, status = True, 130
        print("\ninterrupted; everything it started is stopped")
    except BaseException:
        keep = True
        raise
    finally:
        if keep:
            print(f"logs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
