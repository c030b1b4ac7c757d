"""End-to-end voice benchmark over real processes: voice-to-voice latency, then how many
concurrent calls one agent worker holds on this machine.

    .venv/bin/python -m bench.e2e [--turns 20] [--max-calls 16] [--skip-offline]
                                  [--skip-concurrency]

Starts Azurite, the Cosmos emulator, a LiveKit server and the API on free ports, then:

1. **Offline providers.** The agent's worker with its local providers (pocketsphinx
   with a grammar, the offline LLM, eSpeak NG) and one synthetic caller at a time
   (``harness.caller``: eSpeak speech over real WebRTC) for ``--turns`` turns.
   Voice-to-voice is measured at the caller, from the end of the last voiced frame it
   sends to the first voiced frame of the reply it hears; the agent's own per-turn
   metrics (its log) and the transcript's timestamps split it into media in, end of
   turn, LLM, TTS, the rest inside the agent, and media out.
2. **Concurrency.** The same worker with providers of fixed latency and N concurrent
   callers, N = 1, 2, 4, 6, ... until the p95 voice-to-voice exceeds the N = 1 figure by
   more than 10 % or a turn fails. With the providers' time fixed, what grows is
   orchestration, VAD, the turn detector and media. Prints CPU and memory (RSS and PSS
   summed over the worker's process tree) per level.

Both parts run ``bench.fixed_worker``: ``agent_app``'s worker and job, reporting no CPU
load so that neither it nor the LiveKit server turns calls away (part 1 keeps the
agent's providers). The v1-mini turn detector judges most eSpeak sentences unfinished
and then waits ``max_delay`` (2.5 s) instead of ``min_delay``: such turns are reported
as "held"; part 2 speaks sentences it usually judges finished, and takes a held turn's
extra wait out of its latency (the detector's verdict on a sentence is not load).

Every turn is accounted for: a turn without a reply, a reply that starts before the
caller has finished speaking, or a call that fails to start all count as failures.
Everything started is stopped at the end, on errors and on Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import inspect
import json
import math
import os
import random
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from types import FrameType

import psutil  # type: ignore[import-untyped]
from livekit.agents import inference
from livekit.agents.voice.turn import _resolve_endpointing

from agent_app.job import turn_handling
from bench.agent_fakes import Latencies
from harness.agent import start_agent
from harness.caller import CallResult, call, synthesize
from harness.processes import ManagedProcess
from harness.stack import Stack, full_stack

OFFLINE_SENTENCES = [
    "hello there",
    "what time is it",
    "thank you very much",
    "tell me something interesting",
    "thanks a lot",
    "how are you today",
    "goodbye",
    "thank you goodbye",
]
"""Part 1: the STT grammar, said in turn; "what time is it" makes the LLM call a tool."""
SENTENCES_PER_CALL = 4

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
DEGRADATION = 1.10
UNREFUSING = {"LOAD_THRESHOLD": "inf"}
"""The worker never reports itself full (``bench.fixed_worker`` also reports no CPU load
to the LiveKit server): the benchmark wants to see latency degrade, not calls refused."""
CORES = psutil.cpu_count() or 1
MB = 1024 * 1024

OUR_GROUPS = ("worker", "livekit", "callers", "api")

METRIC_KEYS = ("e2e_latency", "end_of_turn_delay", "stt_delay", "llm_ttft", "tts_ttfb")


@dataclass(frozen=True)
class Timing:
    """What the agent's configuration makes a turn wait, in seconds."""

    min_delay: float
    max_delay: float
    vad_silence: float

    @classmethod
    def of_agent(cls) -> Timing:
        """The worker's turn handling (``agent_app.job.turn_handling``) resolved with
        livekit-agents' defaults, and the VAD the worker builds (``inference.VAD()``)."""
        options = turn_handling()
        endpointing = _resolve_endpointing(
            options.get("endpointing"), turn_detection=options.get("turn_detection")
        )
        silence = inspect.signature(inference.VAD).parameters["min_silence_duration"].default
        return cls(
            min_delay=float(endpointing["min_delay"]),
            max_delay=float(endpointing["max_delay"]),
            vad_silence=float(silence),
        )

    def held(self, agent: dict[str, float]) -> bool:
        """Whether the turn detector made this turn wait ``max_delay`` (its end-of-turn
        probability was under the threshold), judged from the agent's own delay: such a
        turn commits ``max_delay`` after the end of speech, to the millisecond."""
        delay = agent.get("end_of_turn_delay")
        return delay is not None and delay >= self.max_delay - 0.01

    def path(self, lat: Latencies, held: bool) -> float:
        """The wait the fixed providers and the endpointing impose on a turn: the STT
        starts when the VAD declares end of speech, in parallel with endpointing."""
        endpointing = self.max_delay if held else self.min_delay
        return max(endpointing, self.vad_silence + lat.stt) + lat.llm_ttft + lat.tts_ttfb


@dataclass
class TurnRecord:
    session_id: str
    said: str
    v2v_ms: float | None
    """Caller-side voice-to-voice; None when no reply came (a failure)."""
    early: bool = False
    """The reply started before the caller finished speaking (a failure)."""
    agent: dict[str, float] = field(default_factory=dict)
    """The agent's metrics for this turn, in seconds (``METRIC_KEYS``)."""
    media_in_ms: float | None = None
    media_out_ms: float | None = None

    @property
    def ok(self) -> bool:
        return self.v2v_ms is not None and not self.early


def pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def fmt_ms(values: Sequence[float], width: int = 6) -> str:
    if not values:
        return f"{'-':>{width}} / {'-':>{width}}"
    return f"{pct(values, 0.5):{width}.0f} / {pct(values, 0.95):{width}.0f}"


# ---------------------------------------------------------------------------- processes


@contextlib.contextmanager
def agent_worker(
    work: Path, svc: Stack, module: str, extra_env: dict[str, str]
) -> Iterator[ManagedProcess]:
    proc = start_agent(
        work,
        svc.livekit.ws_url,
        svc.api.base_url,
        svc.api.agent_key,
        name=module.replace(".", "-"),
        module=module,
        extra_env=extra_env,
    )
    try:
        yield proc
    finally:
        proc.stop(timeout=10)  # drains jobs still running (interrupted), then SIGKILL


def stop_leftover_children() -> None:
    """Safety net: a server whose start timed out is never handed back to us to stop.
    Every child this process started leads its own process group; end those groups."""
    for child in psutil.Process().children():
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signal.SIGTERM)


class PoolWatch:
    """Follows the worker's log: job processes still initializing (their model loading
    is a burst of CPU that should not land on measured turns)."""

    def __init__(self, log: Path) -> None:
        self._log = log
        self._offset = 0
        self.starting = 0
        self.ready = 0

    def settled(self) -> bool:
        with self._log.open("rb") as f:
            f.seek(self._offset)
            chunk = f.read()
        end = chunk.rfind(b"\n") + 1
        self._offset += end
        text = chunk[:end]
        self.starting += text.count(b'"message": "initializing process"')
        self.ready += text.count(b'"message": "process initialized"')
        return self.ready >= self.starting


def active_jobs(worker: ManagedProcess) -> int:
    url = f"http://127.0.0.1:{worker.env['HEALTH_PORT']}/worker"
    with urllib.request.urlopen(url, timeout=2) as resp:
        return int(json.loads(resp.read()).get("active_jobs", 0))


# --------------------------------------------------------------------------- measuring


def tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


@dataclass
class Window:
    """CPU and memory over one measured interval."""

    started: float = field(default_factory=time.monotonic)
    ended: float = 0.0
    cpu_base: dict[tuple[str, int, float], float] = field(default_factory=dict)
    cpu_last: dict[tuple[str, int, float], float] = field(default_factory=dict)
    peak_rss: float = 0.0
    peak_pss: float = 0.0
    peak_procs: int = 0
    peak_jobs: int = 0

    def cores(self, group: str) -> float:
        used = sum(
            cpu - self.cpu_base.get(key, 0.0)
            for key, cpu in self.cpu_last.items()
            if key[0] == group
        )
        return used / max(1e-6, self.ended - self.started)

    def other_cores(self) -> float:
        """Processes on the machine that are not part of the benchmark."""
        ours = sum(self.cores(group) for group in OUR_GROUPS)
        return max(0.0, self.cores("all") - ours)


class Sampler:
    """Samples the CPU time and memory of process groups once a second, in a thread."""

    def __init__(self, groups: dict[str, Callable[[], list[psutil.Process]]]) -> None:
        self._groups = groups
        self._memory_of = "worker"
        self.job_counter: Callable[[], int] | None = None
        self._window: Window | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-sampler", daemon=True)
        self.procs_history: list[tuple[float, int]] = []

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _cpu(self) -> dict[tuple[str, int, float], float]:
        out: dict[tuple[str, int, float], float] = {}
        for group, procs in self._groups.items():
            for p in procs():
                with contextlib.suppress(psutil.Error):
                    t = p.cpu_times()
                    out[(group, p.pid, p.create_time())] = float(t.user + t.system)
        return out

    def memory(self) -> tuple[float, float, int]:
        """RSS and PSS (MB) summed over the worker's process tree, and its process count."""
        rss = pss = 0.0
        procs = self._groups[self._memory_of]()
        for p in procs:
            with contextlib.suppress(psutil.Error):
                info = p.memory_full_info()
                rss += info.rss / MB
                pss += getattr(info, "pss", info.rss) / MB
        return rss, pss, len(procs)

    def start_window(self) -> None:
        window = Window()
        window.cpu_base = self._cpu()
        window.cpu_last = dict(window.cpu_base)
        with self._lock:
            self._window = window

    def end_window(self) -> Window:
        self._sample()
        with self._lock:
            window, self._window = self._window, None
        assert window is not None
        window.ended = time.monotonic()
        return window

    @property
    def measuring(self) -> bool:
        return self._window is not None

    def stable_for(self, seconds: float) -> bool:
        """Whether the worker's process count has not changed for ``seconds``."""
        history = list(self.procs_history)
        if not history or history[-1][0] - history[0][0] < seconds:
            return False
        recent = [n for t, n in history if t >= history[-1][0] - seconds]
        return len(set(recent)) == 1

    def _sample(self) -> None:
        rss, pss, procs = self.memory()
        now = time.monotonic()
        self.procs_history = [*self.procs_history[-30:], (now, procs)]
        with self._lock:
            window = self._window
        if window is None:
            return
        cpu = self._cpu()
        jobs = 0
        if self.job_counter is not None:
            with contextlib.suppress(OSError, ValueError):
                jobs = self.job_counter()
        with self._lock:
            window.cpu_last.update(cpu)
            window.peak_rss = max(window.peak_rss, rss)
            window.peak_pss = max(window.peak_pss, pss)
            window.peak_procs = max(window.peak_procs, procs)
            window.peak_jobs = max(window.peak_jobs, jobs)

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            with contextlib.suppress(Exception):
                self._sample()


async def loop_lag(samples: list[float], stop: asyncio.Event) -> None:
    """How late this process's event loop (the callers') wakes up: a busy loop makes the
    caller see replies late, so this bounds the measurement's own error."""
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        t = loop.time()
        await asyncio.sleep(0.01)
        samples.append((loop.time() - t - 0.01) * 1000)


def agent_turn_metrics(log: Path, sessions: set[str]) -> dict[str, list[dict[str, float]]]:
    """The agent's "turn metrics" log lines per session, in order, for user turns."""
    out: dict[str, list[dict[str, float]]] = {}
    for line in log.read_text(errors="replace").splitlines():
        if "turn metrics" not in line:
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        session = record.get("session_id")
        if session not in sessions or not (
            "end_of_turn_delay" in record or "e2e_latency" in record
        ):
            continue  # the greeting has no user turn before it
        out.setdefault(session, []).append(
            {k: float(record[k]) for k in METRIC_KEYS if isinstance(record.get(k), int | float)}
        )
    return out


def _ts(item: dict[str, object], key: str) -> float | None:
    value = item.get(key)
    return datetime.fromisoformat(value).timestamp() if isinstance(value, str) else None


def records_of(
    result: CallResult, metrics: list[dict[str, float]] | None, wall_offset: float
) -> list[TurnRecord]:
    """One record per turn the caller took; agent metrics and media split attached when
    the agent's turns line up one to one with the caller's."""
    records = []
    for turn in result.turns:
        latency = turn.latency_ms
        records.append(
            TurnRecord(
                session_id=result.session_id,
                said=turn.said,
                v2v_ms=latency,
                early=latency is not None and latency < 0,
            )
        )
    if metrics is not None and len(metrics) == len(records):
        for record, agent in zip(records, metrics, strict=True):
            record.agent = agent
    items = sorted(result.transcript, key=lambda i: int(str(i.get("turnIndex", 0))))
    users = [i for i, item in enumerate(items) if item.get("role") == "user"]
    if len(users) == len(records):
        for record, turn, u in zip(records, result.turns, users, strict=True):
            heard_end = _ts(items[u], "endedAt")
            reply = next((it for it in items[u + 1 :] if it.get("role") == "assistant"), None)
            reply_start = _ts(reply, "startedAt") if reply is not None else None
            if heard_end is not None:
                record.media_in_ms = (heard_end - (turn.spoke_until + wall_offset)) * 1000
            if reply_start is not None and turn.reply_started is not None:
                record.media_out_ms = (turn.reply_started + wall_offset - reply_start) * 1000
    return records


def failed_call(session: str, sentences: Sequence[str]) -> list[TurnRecord]:
    return [TurnRecord(session_id=session, said=s, v2v_ms=None) for s in sentences]


# ------------------------------------------------------------------ part 1: offline


async def offline_part(work: Path, svc: Stack, turns: int, timing: Timing) -> list[TurnRecord]:
    print("\n== 1. voice-to-voice, offline providers (pocketsphinx, offline LLM, eSpeak NG) ==")
    calls = [
        [
            OFFLINE_SENTENCES[(c * SENTENCES_PER_CALL + j) % len(OFFLINE_SENTENCES)]
            for j in range(min(SENTENCES_PER_CALL, turns - c * SENTENCES_PER_CALL))
        ]
        for c in range(math.ceil(turns / SENTENCES_PER_CALL))
    ]
    env = {
        "LOCAL_STT_PHRASES": "|".join(OFFLINE_SENTENCES),
        "BENCH_PROVIDERS": "agent",  # the worker's own (local) providers
        **UNREFUSING,
    }
    with agent_worker(work, svc, "bench.fixed_worker", env) as worker:
        wall_offset = time.time() - time.perf_counter()
        results: list[CallResult | None] = []
        complete = 0
        for sentences in calls:
            try:
                result = await call(svc.api.base_url, svc.api.api_key, sentences, 20.0)
            except Exception as e:
                print(f"  call failed: {type(e).__name__}: {e}")
                results.append(None)
                continue
            results.append(result)
            roles = [item["role"] for item in result.transcript]
            if min(roles.count("user"), roles.count("assistant")) >= len(sentences):
                complete += 1
        await asyncio.sleep(1.0)  # the last metrics line
        sessions = {r.session_id for r in results if r is not None}
        metrics = agent_turn_metrics(worker.log_path, sessions)
    records: list[TurnRecord] = []
    for sentences, done in zip(calls, results, strict=True):
        if done is None:
            records += failed_call("-", sentences)
            continue
        records += records_of(done, metrics.get(done.session_id), wall_offset)
        records += failed_call(done.session_id, sentences[len(done.turns) :])
    ok = [r for r in records if r.ok]
    v2v = [r.v2v_ms for r in ok if r.v2v_ms is not None]
    print(
        f"{len(calls)} calls, {len(records)} turns: {len(ok)} replied, "
        f"{len(records) - len(ok)} failed"
        f" ({sum(r.early for r in records)} replies before the caller finished);"
        f" transcripts complete {complete}/{len(calls)}"
    )
    if not v2v:
        print("no turn got a reply; worker log:\n" + worker.tail(40))
        return records
    print(
        f"voice-to-voice at the caller   p50 {pct(v2v, 0.5):5.0f} ms   p95 {pct(v2v, 0.95):5.0f} ms"
        f"   max {max(v2v):5.0f} ms   (n={len(v2v)})"
    )
    with_agent = [r for r in ok if "e2e_latency" in r.agent]
    held = [r for r in with_agent if timing.held(r.agent)]
    prompt = [r for r in with_agent if not timing.held(r.agent)]
    print(
        f"  committed after min_delay {timing.min_delay * 1000:.0f} ms: "
        f"p50 / p95 {fmt_ms([r.v2v_ms for r in prompt if r.v2v_ms is not None])} ms"
        f"  (n={len(prompt)})"
    )
    print(
        f"  held for max_delay {timing.max_delay * 1000:.0f} ms by the turn detector: "
        f"p50 / p95 {fmt_ms([r.v2v_ms for r in held if r.v2v_ms is not None])} ms"
        f"  (n={len(held)})"
    )
    print(f"breakdown, p50 / p95 in ms ({len(with_agent)} turns with the agent's metrics):")

    def row(label: str, values: list[float]) -> None:
        print(f"  {label:<58} {fmt_ms(values)}")

    def agent_ms(key: str) -> list[float]:
        return [r.agent[key] * 1000 for r in with_agent if key in r.agent]

    row(
        "media in + VAD: caller's end of speech -> agent's VAD's",
        [r.media_in_ms for r in ok if r.media_in_ms is not None],
    )
    row("end of turn: VAD, turn detector, endpointing, STT", agent_ms("end_of_turn_delay"))
    row("  of which STT: end of speech -> final transcript", agent_ms("stt_delay"))
    row("LLM time to first token (last generation)", agent_ms("llm_ttft"))
    row("TTS time to first audio", agent_ms("tts_ttfb"))
    row(
        "rest inside the agent: e2e - end of turn - LLM - TTS",
        [
            (
                r.agent["e2e_latency"]
                - r.agent.get("end_of_turn_delay", 0)
                - r.agent.get("llm_ttft", 0)
                - r.agent.get("tts_ttfb", 0)
            )
            * 1000
            for r in with_agent
        ],
    )
    row("agent e2e: its end of speech -> its first audio out", agent_ms("e2e_latency"))
    row(
        "media out: agent's first audio -> caller hears it",
        [r.media_out_ms for r in ok if r.media_out_ms is not None],
    )
    row(
        "media both ways: v2v - agent e2e",
        [r.v2v_ms - r.agent["e2e_latency"] * 1000 for r in with_agent if r.v2v_ms is not None],
    )
    return records


# -------------------------------------------------------------- part 2: concurrency


@dataclass
class Level:
    calls: int
    records: list[TurnRecord]
    window: Window
    idle_pss: float
    lag_ms: list[float]
    timing: Timing
    lat: Latencies

    def _held_extra(self, r: TurnRecord) -> float:
        """A held turn's extra wait in ms (the critical path with ``max_delay`` minus the
        one with ``min_delay``); 0 for other turns."""
        if not self.timing.held(r.agent):
            return 0.0
        return (self.timing.path(self.lat, True) - self.timing.path(self.lat, False)) * 1000

    def adjusted_ms(self, r: TurnRecord) -> float | None:
        """Voice-to-voice without a held turn's extra wait."""
        return None if r.v2v_ms is None else r.v2v_ms - self._held_extra(r)

    @property
    def ok(self) -> list[TurnRecord]:
        return [r for r in self.records if r.ok]

    @property
    def failures(self) -> int:
        return len(self.records) - len(self.ok)

    @property
    def held(self) -> int:
        return sum(1 for r in self.ok if self.timing.held(r.agent))

    @property
    def v2v_raw(self) -> list[float]:
        return [r.v2v_ms for r in self.ok if r.v2v_ms is not None]

    @property
    def v2v(self) -> list[float]:
        return [v for r in self.ok if (v := self.adjusted_ms(r)) is not None]

    @property
    def agent_e2e(self) -> list[float]:
        """The agent's own end of speech -> first audio out, held turns adjusted."""
        return [
            r.agent["e2e_latency"] * 1000 - self._held_extra(r)
            for r in self.ok
            if "e2e_latency" in r.agent
        ]

    def overhead_caller(self) -> list[float]:
        path = self.timing.path(self.lat, False) * 1000
        return [v - path for r in self.ok if r.agent and (v := self.adjusted_ms(r)) is not None]

    def overhead_agent(self) -> list[float]:
        path = self.timing.path(self.lat, False) * 1000
        return [v - path for v in self.agent_e2e]


HEADER = (
    " calls turns fail held jobs | v2v p50  p95 (raw p95) | agent e2e p95 | over p95 caller"
    " agent | CPU wrk  /call  lk  call  api other | RSS tree /call | PSS +/call | lag p95"
)


def level_row(level: Level, idle_worker_cores: float) -> str:
    w, n = level.window, level.calls

    def p(values: list[float], q: float = 0.95) -> float:
        return pct(values, q) if values else float("nan")

    worker = w.cores("worker")
    return (
        f" {n:5d} {len(level.records):5d} {level.failures:4d} {level.held:4d} {w.peak_jobs:4d}"
        f" | {p(level.v2v, 0.5):7.0f} {p(level.v2v):4.0f} ({p(level.v2v_raw):5.0f})"
        f" | {p(level.agent_e2e):13.0f} | {p(level.overhead_caller()):15.0f}"
        f" {p(level.overhead_agent()):5.0f} | {worker:7.2f} {(worker - idle_worker_cores) / n:6.3f}"
        f" {w.cores('livekit'):4.2f} {w.cores('callers'):5.2f} {w.cores('api'):4.2f}"
        f" {w.other_cores():5.2f}"
        f" | {w.peak_rss:8.0f} {w.peak_rss / n:5.0f} | {(w.peak_pss - level.idle_pss) / n:10.0f}"
        f" | {p(level.lag_ms):7.1f}"
    )


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


@dataclass
class Limit:
    """Where one latency measure first degrades past ``DEGRADATION`` x its 1-call p95."""

    name: str
    measure: Callable[[Level], list[float]]
    baseline: float | None = None
    holds: int = 0
    tripped_at: int | None = None

    def judge(self, level: Level) -> str | None:
        """Records the level; returns why it is over the limit, or None."""
        values = self.measure(level)
        p95 = pct(values, 0.95) if values else math.inf
        if self.baseline is None:
            self.baseline = p95
        if level.failures:
            why = f"{level.failures} failed turns"
        elif p95 > self.baseline * DEGRADATION:
            why = f"{self.name} p95 {p95:.0f} ms > {DEGRADATION:.2f} x {self.baseline:.0f} ms"
        else:
            if self.tripped_at is None:
                self.holds = level.calls
            return None
        if self.tripped_at is None:
            self.tripped_at = level.calls
        return why


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


# --------------------------------------------------------------------------------- main


def _terminate(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


async def main_async(args: argparse.Namespace, work: Path) -> None:
    timing = Timing.of_agent()
    for sentence in {*OFFLINE_SENTENCES, *PROMPT_SENTENCES}:
        synthesize(sentence)  # cached: no eSpeak subprocess while measuring
    load = os.getloadavg()
    print(
        f"machine: {CORES} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
        f"at start; logs in {work}"
    )
    started = time.monotonic()
    print("starting Azurite, the Cosmos emulator, LiveKit and the API ...", flush=True)
    with full_stack(work) as svc:
        print(f"  up in {time.monotonic() - started:.0f} s", flush=True)
        dump: list[dict[str, object]] = []
        if not args.skip_offline:
            part_started = time.monotonic()
            for r in await offline_part(work, svc, args.turns, timing):
                dump.append({"part": "offline", **asdict(r)})
            print(f"(part 1 took {time.monotonic() - part_started:.0f} s)")
        if not args.skip_concurrency:
            part_started = time.monotonic()
            levels = await concurrency_part(
                work, svc, args.turns, args.max_calls, timing, args.keep_going
            )
            for level in levels:
                for r in level.records:
                    row = {"part": "concurrency", "calls": level.calls, **asdict(r)}
                    dump.append({**row, "adjusted_ms": level.adjusted_ms(r)})
            print(f"(part 2 took {time.monotonic() - part_started:.0f} s)")
        if args.dump:
            args.dump.write_text("".join(json.dumps(row) + "\n" for row in dump))
            print(f"per-turn records written to {args.dump}")
    load = os.getloadavg()
    print(
        f"\nload average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at the end; "
        f"total {time.monotonic() - started:.0f} s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--turns", type=int, default=20, help="turns in part 1, and samples per level in part 2"
    )
    parser.add_argument("--max-calls", type=int, default=16)
    parser.add_argument("--skip-offline", action="store_true")
    parser.add_argument("--skip-concurrency", action="store_true")
    parser.add_argument(
        "--keep-going", action="store_true", help="measure up to --max-calls past the limit"
    )
    parser.add_argument("--keep-logs", action="store_true", help="keep the work directory")
    parser.add_argument("--dump", type=Path, help="write every turn as a JSON line here")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _terminate)
    work = Path(tempfile.mkdtemp(prefix="parley-bench-e2e-"))
    keep, status = args.keep_logs, 0
    try:
        asyncio.run(main_async(args, work))
    except KeyboardInterrupt:
        keep, status = True, 130
        print("\ninterrupted; everything it started is stopped")
    except BaseException:
        keep = True
        raise
    finally:
        stop_leftover_children()
        if keep:
            print(f"logs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
