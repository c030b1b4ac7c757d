"""CPU and memory of the benchmark's process groups, sampled once a second in a thread,
and the callers' own event-loop lag."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import psutil  # type: ignore[import-untyped]

from bench.running import SamplingThread

CORES = psutil.cpu_count() or 1
MB = 1024 * 1024

OUR_GROUPS = ("worker", "livekit", "callers", "api")


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


class Sampler(SamplingThread):
    """Samples the CPU time and memory of process groups once a second, in a thread."""

    def __init__(self, groups: dict[str, Callable[[], list[psutil.Process]]]) -> None:
        super().__init__("bench-sampler")
        self._groups = groups
        self._memory_of = "worker"
        self.job_counter: Callable[[], int] | None = None
        self._window: Window | None = None
        self._lock = threading.Lock()
        self.procs_history: list[tuple[float, int]] = []

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
        self.sample()
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

    def sample(self) -> None:
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


async def loop_lag(samples: list[float], stop: asyncio.Event) -> None:
    """How late this process's event loop (the callers') wakes up: a busy loop makes the
    caller see replies late, so this bounds the measurement's own error."""
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        t = loop.time()
        await asyncio.sleep(0.01)
        samples.append((loop.time() - t - 0.01) * 1000)
