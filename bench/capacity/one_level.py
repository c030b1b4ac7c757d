"""One level of the capacity bench: N calls, each saying its turns, while the worker's
window is measured; the calls come from the Go callers or from livekit.rtc rooms here."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.capacity import pinning
from bench.capacity.callers import CallOutcome, Utterance, call, utterance
from bench.capacity.levels import Level, Sampler, Window, gc_pauses, split_turns, turn_marks
from bench.capacity.opus_callers import OpusCallers, OpusSpeech, run_calls
from bench.capacity.opus_callers import speech as opus_speech
from bench.capacity.stack import active_jobs, settle, work_dir
from harness.api import ApiProcess
from harness.processes import ManagedProcess

SENTENCES = ["thank you goodbye", "thanks a lot", "goodbye", "thank you so much"]
STAGGER_S = 0.25
"""Calls arrive this far apart (a burst, not one instant)."""
MAX_OFFSET_S = 1.5
"""Once all calls are up, each starts speaking after a random offset up to this."""


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
