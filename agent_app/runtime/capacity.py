"""How full a worker is: its active calls against the calls it can carry.

CPU use is a noisy load signal for a voice worker (it swings with who is speaking, and
a busy neighbour on the host moves it), so the worker reports active calls divided by
its capacity instead: ``calls_per_core`` (measured by ``make bench-capacity``) times
the cores it may use, unless ``MAX_CALLS`` says otherwise. At ``LOAD_THRESHOLD`` of
that the worker tells LiveKit it is full and gets no more jobs.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Protocol

from livekit.agents.utils.hw import get_cpu_monitor

from agent_app.settings import AgentSettings


class HasActiveJobs(Protocol):
    """The part of ``AgentServer`` the load needs."""

    @property
    def active_jobs(self) -> Sequence[object]: ...


def usable_cores() -> float:
    """CPUs this process may run on: the container's CPU quota (cgroup), narrowed by the
    CPU affinity it was started with (``taskset``, the capacity benchmark's pinning)."""
    quota = get_cpu_monitor().cpu_count()
    return max(1.0, min(quota, float(len(os.sched_getaffinity(0)))))


def max_calls(settings: AgentSettings, cores: float | None = None) -> int:
    """Concurrent calls one worker carries at full load (at least one)."""
    if settings.max_calls is not None:
        return settings.max_calls
    cores = usable_cores() if cores is None else cores
    return max(1, math.floor(settings.calls_per_core * cores))


class CallLoad:
    """``load_fnc`` for ``AgentServer``: active calls over capacity, 0 (idle) to 1 (full)."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least one call")
        self.capacity = capacity

    def __call__(self, server: HasActiveJobs) -> float:
        return len(server.active_jobs) / self.capacity
