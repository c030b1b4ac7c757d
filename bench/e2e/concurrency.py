"""Part 2: how many concurrent calls one worker holds, with providers of fixed latency."""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import psutil  # type: ignore[import-untyped]

from bench.agent_fakes import Latencies
from bench.e2e.levels import DEGRADATION, Level, Limit
from bench.e2e.records import Timing, TurnRecord, agent_turn_metrics, failed_call, records_of
from bench.e2e.report import HEADER, level_row
from bench.e2e.sampling import CORES, Sampler, Window, loop_lag
from bench.e2e.worker import UNREFUSING, PoolWatch, active_jobs, agent_worker
from bench.running import tree
from harness.caller import CallResult, call
from harness.processes import ManagedProcess
from harness.stack import Stack

PROMPT_SENTENCES = ["thank you goodbye", "thanks a lot", "goodbye", "thank you so much"]
"""Part 2: sentences whose eSpeak rendering the v1-mini turn detector usually judges
complete (end-of-turn probability 0.45 to 0.68 against a threshold of 0.36 in one run
here), so turns commit after ``min_delay``; most other eSpeak sentences scored 0.07 to
0.25 and wait for ``max_delay``. The verdict varies a little from run to run: held
turns are counted, and their extra wait taken out (see ``Level.adjusted_ms``)."""
MIN_TURNS_PER_CALL = 3
STAGGER_S = 0.3
"""Calls arrive this far apart (a burst, not one instant: job processes must spawn)."""
MAX_START_OFFSET_S = 1.0
"""After all calls are up, each starts speaking after a random offset up to this."""


class StartLine:
    """Holds callers until all are up (or gave up), and the worker has settled."""

    def __init__(self, n: int, sampler: Sampler, pool: PoolWatch, timeout: float) -> None:
        self._waiting = n
        self._all = asyncio.Event()
        self._sampler = sampler
        self._pool = pool
        self._deadline = time.monotonic() + timeout
        self._released: asyncio.Task[None] | None = None

    def arrive_or_leave(self) -> None:
        self._waiting -= 1
        if self._waiting <= 0:
            self._all.set()

    async def wait(self) -> None:
        self.arrive_or_leave()
        if self._released is None:
            self._released = asyncio.ensure_future(self._release())
        await asyncio.shield(self._released)

    async def _release(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._all.wait(), max(0.0, self._deadline - time.monotonic()))
        # job processes the pool spawns to replace the ones taken must be up first
        settle_until = time.monotonic() + 30
        while time.monotonic() < settle_until:
            if self._pool.settled() and self._sampler.stable_for(2.0):
                break
            await asyncio.sleep(0.25)
        self._sampler.start_window()


async def run_level(
    n: int,
    svc: Stack,
    worker: ManagedProcess,
    sampler: Sampler,
    pool: PoolWatch,
    turns_per_call: int,
    timing: Timing,
    lat: Latencies,
    rng: random.Random,
) -> Level:
    # wait for the previous level's jobs to end and the pool to refill
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, ValueError):
            if active_jobs(worker) == 0 and pool.settled() and sampler.stable_for(3.0):
                break
        await asyncio.sleep(0.5)
    _, idle_pss, _ = sampler.memory()

    start_line = StartLine(n, sampler, pool, timeout=60 + n * STAGGER_S)
    plans = [
        [PROMPT_SENTENCES[(i + j) % len(PROMPT_SENTENCES)] for j in range(turns_per_call)]
        for i in range(n)
    ]
    offsets = [rng.uniform(0, MAX_START_OFFSET_S) for _ in range(n)]

    async def caller(i: int) -> CallResult | BaseException:
        await asyncio.sleep(i * STAGGER_S)
        arrived = False

        async def line_up() -> None:
            nonlocal arrived
            arrived = True
            await start_line.wait()
            await asyncio.sleep(offsets[i])

        try:
            return await call(
                svc.api.base_url,
                svc.api.api_key,
                plans[i],
                10.0,
                before_speaking=line_up,
                read_back=False,
            )
        except Exception as e:
            return e
        finally:
            if not arrived:
                start_line.arrive_or_leave()

    lag: list[float] = []
    stop_lag = asyncio.Event()
    lag_task = asyncio.ensure_future(loop_lag(lag, stop_lag))
    try:
        outcomes = await asyncio.gather(*(caller(i) for i in range(n)))
    finally:
        stop_lag.set()
        await lag_task
    window = sampler.end_window() if sampler.measuring else Window(ended=time.monotonic())
    await asyncio.sleep(1.0)  # the last metrics lines
    sessions = {o.session_id for o in outcomes if isinstance(o, CallResult)}
    metrics = agent_turn_metrics(worker.log_path, sessions)
    records: list[TurnRecord] = []
    errors: list[str] = []
    for plan, outcome in zip(plans, outcomes, strict=True):
        if isinstance(outcome, CallResult):
            records += records_of(outcome, metrics.get(outcome.session_id), 0.0)
            records += failed_call(outcome.session_id, plan[len(outcome.turns) :])
        else:
            errors.append(f"{type(outcome).__name__}: {outcome}")
            records += failed_call("-", plan)
    for error in sorted(set(errors)):
        print(f"    call failed ({errors.count(error)}x): {error}")
    return Level(n, records, window, idle_pss, lag, timing, lat)


async def concurrency_part(
    work: Path,
    svc: Stack,
    min_samples: int,
    max_calls: int,
    timing: Timing,
    keep_going: bool = False,
) -> list[Level]:
    lat = Latencies()
    print("\n== 2. concurrent calls on one worker, providers of fixed latency ==")
    print(
        f"fixed providers: STT {lat.stt * 1000:.0f} ms after end of speech, LLM first token "
        f"{lat.llm_ttft * 1000:.0f} ms, TTS first audio {lat.tts_ttfb * 1000:.0f} ms"
    )
    print(
        f"agent turn handling: VAD silence {timing.vad_silence * 1000:.0f} ms, v1-mini turn "
        f"detector, endpointing min_delay {timing.min_delay * 1000:.0f} ms "
        f"(max_delay {timing.max_delay * 1000:.0f} ms when it judges the turn unfinished)"
    )
    print(
        f"critical path per turn: max(endpointing {timing.min_delay * 1000:.0f}, VAD silence "
        f"{timing.vad_silence * 1000:.0f} + STT {lat.stt * 1000:.0f}) + LLM + TTS = "
        f"{timing.path(lat, False) * 1000:.0f} ms; overhead = latency - critical path"
    )
    print(
        "latencies in ms: v2v at the caller; agent e2e = the agent's own end of speech -> "
        "first audio out;\nheld turns (turn detector waited max_delay) count with that "
        "extra wait taken out ('raw' keeps it).\nCPU in cores over the measured turns: "
        "worker tree, per call above idle, LiveKit server, the callers (this process),\n"
        "API + emulators, other processes on the machine (not part of the benchmark); "
        "memory in MB"
    )
    levels = sorted({n for n in (1, 2, *range(4, max_calls, 2)) if n < max_calls} | {max_calls})
    env = {"BENCH_PROVIDERS": "fixed", **UNREFUSING}
    rng = random.Random(4)
    measured: list[Level] = []
    caller_limit = Limit("v2v", lambda level: level.v2v)
    agent_limit = Limit("agent e2e", lambda level: level.agent_e2e)
    with agent_worker(work, svc, "bench.fixed_worker", env) as worker:

        def pid(proc: ManagedProcess | None) -> int:
            return proc.proc.pid if proc is not None and proc.proc is not None else -1

        groups: dict[str, Callable[[], list[psutil.Process]]] = {
            "worker": lambda: tree(pid(worker)),
            "livekit": lambda: tree(pid(svc.livekit.process)),
            "api": lambda: [
                p for m in (svc.api.process, *svc.emulators.processes) for p in tree(pid(m))
            ],
            "callers": lambda: [psutil.Process()],
            "all": lambda: list(psutil.process_iter()),
        }
        pool = PoolWatch(worker.log_path)
        with Sampler(groups) as sampler:
            sampler.job_counter = lambda: active_jobs(worker)
            sampler.start_window()
            await asyncio.sleep(5.0)
            idle = sampler.end_window()
            idle_rss, idle_pss, idle_procs = sampler.memory()
            print(
                f"worker idle: {idle_procs} processes (main, forkserver, tracker, warm jobs),"
                f" RSS {idle_rss:.0f} MB, PSS {idle_pss:.0f} MB, CPU "
                f"{idle.cores('worker'):.2f} cores; other processes {idle.other_cores():.2f}"
                f" of {CORES} cores\n"
            )
            print(HEADER)
            for n in levels:
                turns_per_call = max(MIN_TURNS_PER_CALL, math.ceil(min_samples / n))
                level = await run_level(
                    n, svc, worker, sampler, pool, turns_per_call, timing, lat, rng
                )
                measured.append(level)
                print(level_row(level, idle.cores("worker")), flush=True)
                verdicts = [(lim, lim.judge(level)) for lim in (caller_limit, agent_limit)]
                for lim, why in verdicts:
                    if why and lim.tripped_at == n:
                        print(f"  limit by {lim.name} at {n} calls: {why}", flush=True)
                if not keep_going and (
                    level.failures or all(lim.tripped_at for lim in (caller_limit, agent_limit))
                ):
                    break
    if caller_limit.baseline is None or agent_limit.baseline is None:
        return measured
    print(
        f"\nlimits: +{(DEGRADATION - 1) * 100:.0f} % over 1 call: v2v p95 "
        f"{caller_limit.baseline:.0f} -> {caller_limit.baseline * DEGRADATION:.0f} ms, "
        f"agent e2e p95 {agent_limit.baseline:.0f} -> {agent_limit.baseline * DEGRADATION:.0f} ms"
    )
    for lim, what in (
        (caller_limit, "voice-to-voice at the caller"),
        (agent_limit, "the agent's own e2e latency (media and callers excluded)"),
    ):
        reached = "" if lim.tripped_at else f" (no limit up to {measured[-1].calls})"
        print(
            f"by {what}: one worker holds {lim.holds} concurrent calls on {CORES} cores, "
            f"{lim.holds / CORES:.1f} per core{reached}; target >= 15 per core"
        )
    within = [lvl for lvl in measured if lvl.calls <= max(1, agent_limit.holds)]
    per_call = statistics.median(
        (lvl.window.cores("worker") - idle.cores("worker")) / lvl.calls for lvl in within
    )
    pss = statistics.median((lvl.window.peak_pss - lvl.idle_pss) / lvl.calls for lvl in within)
    if per_call > 0:
        print(
            f"per call, up to {within[-1].calls} calls: worker CPU {per_call:.3f} cores (the "
            f"CPU alone caps a worker at {1 / per_call:.0f} calls per fully busy core), "
            f"memory PSS +{pss:.0f} MB"
        )
    return measured
