"""CPU used by a process and everything it starts, sampled while a benchmark runs.

A process's CPU time is lost when it exits, so the tree is sampled every ``interval``
and each process's last reading kept: a job process that ends between two samples loses
at most one interval of its CPU (the figure errs low, never high).
"""

from __future__ import annotations

import asyncio
import contextlib

import psutil  # type: ignore[import-untyped]


class CpuMeter:
    """CPU seconds (user + system) of ``pid``'s process tree since ``start``."""

    def __init__(self, pid: int, *, interval: float = 0.25) -> None:
        self._pid = pid
        self._interval = interval
        self._first: dict[int, float] = {}
        self._last: dict[int, float] = {}
        self._task: asyncio.Task[None] | None = None

    def _sample(self) -> None:
        try:
            root = psutil.Process(self._pid)
            tree = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        for process in tree:
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                times = process.cpu_times()
                used = float(times.user + times.system)
                self._first.setdefault(process.pid, used)
                self._last[process.pid] = used

    async def _run(self) -> None:
        while True:
            self._sample()
            await asyncio.sleep(self._interval)  # a sampling period, not a wait for a result

    def start(self) -> None:
        self._sample()
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> float:
        """Stop sampling; the CPU seconds used since ``start``."""
        self._sample()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        return sum(self._last[pid] - first for pid, first in self._first.items())
