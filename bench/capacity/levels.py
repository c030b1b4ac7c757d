"""A level of the capacity benchmark: the window measured while N calls run (CPU per
core, memory, load), the sampling thread that fills it, the level's outcome and its lines
in the table (``bench.capacity.sweep`` prints them)."""

from __future__ import annotations

import math
import os
import time
from collections import Counter
from dataclasses import dataclass, field

from bench.capacity import pinning
from bench.capacity.callers import CallOutcome
from bench.running import SamplingThread

GC_PAUSE_MARK = "bench-gc-pause"
"""Starts the worker's log line for each garbage collection that stopped its calls
(``bench.capacity.worker.log_gc_pauses``)."""


TURN_MARK = "bench-turn"
"""Starts the worker's log lines that place each turn's end of speech and reply start
(``bench.capacity.worker.mark_turns``)."""


def gc_pauses(log_tail: str) -> list[float]:
    """The pauses (ms) logged in a stretch of the worker's log."""
    return [
        float(line.rsplit("ms=", 1)[1])
        for line in log_tail.splitlines()
        if line.startswith(GC_PAUSE_MARK) and "ms=" in line
    ]


@dataclass(frozen=True)
class TurnSplit:
    """One turn's voice-to-voice in three parts (ms), at the worker's two marks."""

    inbound: float
    """The caller's last voiced packet sent -> the end of speech the VAD placed: network,
    the worker's jitter buffer, frames reaching the job, the VAD's own boundary."""
    agent: float
    """-> the agent starts to play its reply: endpointing, STT, LLM and TTS, the job's
    loop."""
    outbound: float
    """-> the caller hears it: the reply's way out (encoder, network, the caller)."""


def turn_marks(log_tail: str) -> dict[str, dict[str, list[float]]]:
    """Per room, the worker's marks in a stretch of its log: ``heard_until`` and
    ``replying_at`` times (Unix seconds)."""
    marks: dict[str, dict[str, list[float]]] = {}
    for line in log_tail.splitlines():
        if not line.startswith(TURN_MARK):
            continue
        fields = dict(part.split("=", 1) for part in line.split()[1:] if "=" in part)
        room = fields.pop("room", "")
        for kind, value in fields.items():
            marks.setdefault(room, {}).setdefault(kind, []).append(float(value))
    return marks


def split_turns(
    outcomes: list[CallOutcome], marks: dict[str, dict[str, list[float]]]
) -> list[TurnSplit]:
    """Each answered turn split at the worker's last marks between the caller's end of
    speech and the reply it heard; a turn without both marks is left out."""
    splits = []
    for outcome in outcomes:
        if outcome.unix_offset is None:
            continue
        room = marks.get(outcome.room, {})
        for turn in outcome.turns:
            if not turn.ok or turn.reply_at is None:
                continue
            spoke = turn.spoke_until + outcome.unix_offset
            heard = turn.reply_at + outcome.unix_offset
            # the VAD's estimate may fall a little before the last voiced packet
            ends = [t for t in room.get("heard_until", []) if spoke - 1.0 < t < heard]
            replies = [t for t in room.get("replying_at", []) if spoke < t <= heard]
            if not ends or not replies or replies[-1] < ends[-1]:
                continue
            splits.append(
                TurnSplit(
                    (ends[-1] - spoke) * 1000,
                    (replies[-1] - ends[-1]) * 1000,
                    (heard - replies[-1]) * 1000,
                )
            )
    return splits


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


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


class Sampler(SamplingThread):
    """Samples the open window once a second in a thread (process exits lose little)."""

    def __init__(self) -> None:
        super().__init__("capacity-sampler")
        self.window: Window | None = None

    def sample(self) -> None:
        window = self.window
        if window is not None:
            window.sample()


@dataclass
class Level:
    calls: int
    outcomes: list[CallOutcome]
    planned: int
    window: Window
    idle_pss: float
    worker_cores: set[int]
    fixed_loop_ms: float
    """The worker core's speed just before the level (``pinning.fixed_loop_ms``)."""
    gc_pauses: list[float]
    """Garbage collections in the worker during the level that took 10 ms or more."""
    splits: list[TurnSplit] = field(default_factory=list)
    """The answered turns' voice-to-voice in parts, where the worker's log placed them."""

    @property
    def v2v(self) -> list[float]:
        return [t.v2v_ms for o in self.outcomes for t in o.turns if t.ok and t.v2v_ms is not None]

    @property
    def failures(self) -> int:
        return self.planned - len(self.v2v)

    def failure_reasons(self) -> dict[str, int]:
        """Why turns failed: calls that broke off, replies that never came (within the
        callers' timeout) or came before the caller had finished speaking."""
        reasons: Counter[str] = Counter()
        for outcome in self.outcomes:
            missing = self.planned // max(1, self.calls) - len(outcome.turns)
            if outcome.error or missing > 0:
                reasons[f"call ended early ({outcome.error or 'no error given'})"] += max(
                    missing, 0
                )
            for turn in outcome.turns:
                if turn.reply_at is None:
                    reasons["no reply"] += 1
                elif not turn.ok:
                    reasons["reply before the caller finished"] += 1
        return dict(reasons)

    @property
    def pss_per_call(self) -> float:
        return (self.window.peak_pss - self.idle_pss) / self.calls


# ------------------------------------------------------------------------------ levels


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


def split_line(level: Level) -> str:
    """Where the level's voice-to-voice went: p50/p95 of each part of its turns."""
    inbound, agent, outbound = (
        [s.inbound for s in level.splits],
        [s.agent for s in level.splits],
        [s.outbound for s in level.splits],
    )

    def p(values: list[float]) -> str:
        return f"{pct(values, 0.5):.0f}/{pct(values, 0.95):.0f}"

    return (
        f"        voice-to-voice in parts (p50/p95 ms, {len(level.splits)} turns): "
        f"in {p(inbound)} to the VAD's end of speech, agent {p(agent)} to the reply's "
        f"first audio, out {p(outbound)} to the caller's ear"
    )


def detail_lines(level: Level, first_loop_ms: float) -> list[str]:
    """The lines under a level's row: the worker's CPU by thread, the agent's audio at the
    callers (Go callers only), the worker core's speed and GC pauses, and the parts of
    voice-to-voice (where the worker's log placed them)."""
    by_thread = sorted(level.window.cores_by_thread().items(), key=lambda kv: -kv[1])
    lines = [
        "        worker cores by thread: "
        + ", ".join(f"{name} {cores:.3f}" for name, cores in by_thread[:6] if cores >= 0.005)
    ]
    jitters = [o.jitter_ms for o in level.outcomes if o.jitter_ms is not None]
    late = [o.mic_late_ms for o in level.outcomes if o.mic_late_ms is not None]
    if jitters and late:
        lines.append(
            "        the agent's audio at the callers: interarrival jitter "
            f"{sum(jitters) / len(jitters):.1f} ms (RFC 3550, mean over calls); "
            f"the callers' microphones woke at most {max(late):.0f} ms late"
        )
    pauses = level.gc_pauses
    lines.append(
        f"        worker core speed: a fixed loop took {level.fixed_loop_ms:.0f} ms "
        f"before this level ({level.fixed_loop_ms / first_loop_ms:.2f} x the first); "
        f"garbage collections that stopped every call (>= 10 ms): {len(pauses)}"
        + (f", longest {max(pauses):.0f} ms" if pauses else "")
    )
    if level.splits:
        lines.append(split_line(level))
    return lines
