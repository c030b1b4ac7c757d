"""The capacity bench's levels in turn: N = 1, 2, 4, 6, ... calls until one is no longer
within 10 % of the first (or fails, or saturates the stack core), then the verdict."""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import sys

from bench.capacity import pinning
from bench.capacity.levels import HEADER, Level, Sampler, Window, detail_lines, pct, row
from bench.capacity.one_level import Speech, run_level
from bench.capacity.profiling import start_profile, stop_profile
from bench.capacity.stack import settle, work_dir
from harness.processes import ManagedProcess
from harness.stack import Stack

DEGRADATION = 1.10
"""A level holds while its p95 voice-to-voice is within this factor of the first's."""
MIN_TURNS = 3


def level_counts(calls: list[int] | None, max_calls: int) -> list[int]:
    """``--calls`` if given, else 1, 2, 4, 6, ... up to ``--max-calls``."""
    return calls or [1, 2, *range(4, max_calls + 1, 2)]


def turns_per_call(samples: int, calls: int) -> int:
    """Enough turns per call for ``--samples`` turns in the level, and at least three."""
    return max(MIN_TURNS, math.ceil(samples / calls))


def p95(level: Level) -> float:
    """The level's p95 voice-to-voice (ms); infinite when no turn was answered."""
    return pct(level.v2v, 0.95) if level.v2v else math.inf


def stop_reason(level: Level, baseline: float, stack_use: float, stack_limit: float) -> str | None:
    """Why the level does not hold (failed turns, a saturated stack core or p95 beyond the
    limit), or None when it does."""
    if level.failures:
        reasons = ", ".join(f"{k}: {v}" for k, v in level.failure_reasons().items())
        return f"{level.failures} failed turns ({reasons})"
    if stack_use > stack_limit:
        return f"stack core {stack_use * 100:.0f}% busy: level invalid, the callers' side saturated"
    if p95(level) > baseline * DEGRADATION:
        return f"p95 {p95(level):.0f} ms > {DEGRADATION:.2f} x {baseline:.0f} ms"
    return None


def calls_per_core(held: list[Level], cores: int) -> float:
    """The most calls a held level carried, per worker core."""
    return max((level.calls for level in held), default=0) / cores


def memory_per_call(held: list[Level]) -> float:
    """PSS per call above the idle worker (MB), averaged over the held levels."""
    per_call = [level.pss_per_call for level in held]
    return sum(per_call) / len(per_call) if per_call else math.nan


async def sweep(
    args: argparse.Namespace,
    svc: Stack,
    worker: ManagedProcess,
    speech: Speech,
    worker_core: int,
    stack_core: int,
) -> int:
    """Measures the idle worker, then each level, printing a row per level and the
    verdict; exits 1 when no level held."""
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
    with Sampler() as sampler:
        for n in level_counts(args.calls, args.max_calls):
            profile = None
            if args.profile == n:
                profile = start_profile(pid, work_dir(worker) / f"profile-{n}.txt")
            turns = turns_per_call(args.samples, n)
            level = await run_level(n, svc.api, worker, sampler, speech, turns, rng)
            if profile is not None:
                stop_profile(profile)
            print(row(level, idle.worker_cores, worker_core, stack_core, args.stack_limit))
            first_loop = first_loop or level.fixed_loop_ms
            print("\n".join(detail_lines(level, first_loop)))
            sys.stdout.flush()
            if baseline is None:
                baseline = p95(level)
            use = level.window.core_use().get(stack_core, 0.0)
            why = stop_reason(level, baseline, use, args.stack_limit)
            if why is None:
                if not stopped:  # past the first stop (--keep-going) a level is shown only
                    held.append(level)
                continue
            print(f"  stop at {n} calls: {why}")
            stopped = True
            if not args.keep_going:
                break
    print(
        f"\nlimit: p95 within {(DEGRADATION - 1) * 100:.0f} % of one call "
        f"({baseline or math.nan:.0f} -> {(baseline or math.nan) * DEGRADATION:.0f} ms); "
        f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())} at the end"
    )
    print(f"calls per core: {calls_per_core(held, len(pinning.tree_cores(pid)) or 1):g}")
    print(f"memory per call: {memory_per_call(held):.0f} MB")
    return 0 if held else 1
