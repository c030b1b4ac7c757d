"""CPU pinning and per-core accounting for the capacity benchmark.

Children inherit their parent's CPU affinity (threads too), so a process tree started
while this process is pinned to a core stays on it: the worker with every job process,
job thread and model thread on one core, everything else on the other.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil  # type: ignore[import-untyped]

from bench.running import tree

MB = 1024 * 1024


@contextlib.contextmanager
def pinned(cores: set[int]) -> Iterator[None]:
    """Run the block (and whatever it starts) on ``cores``; restores the affinity after."""
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cores)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def tree_cores(pid: int) -> set[int]:
    """Every core any thread of any process in the tree may run on."""
    cores: set[int] = set()
    for proc in tree(pid):
        with contextlib.suppress(OSError, psutil.Error):
            for thread in proc.threads():
                cores |= os.sched_getaffinity(thread.id)
    return cores


def tree_cpu_seconds(pid: int) -> dict[tuple[int, float], float]:
    """CPU seconds (user + system) per live process of the tree, keyed by (pid, start)."""
    out: dict[tuple[int, float], float] = {}
    for proc in tree(pid):
        with contextlib.suppress(psutil.Error):
            t = proc.cpu_times()
            out[(proc.pid, proc.create_time())] = float(t.user + t.system)
    return out


def thread_cpu_seconds(pid: int) -> dict[tuple[int, int], tuple[str, float]]:
    """CPU seconds per live thread of the tree, keyed by (pid, tid), with the thread's
    kernel name: Python threads carry the process's name, native ones (WebRTC, the FFI
    runtime) their own."""
    out: dict[tuple[int, int], tuple[str, float]] = {}
    for proc in tree(pid):
        with contextlib.suppress(psutil.Error, OSError):
            for thread in proc.threads():
                comm = Path(f"/proc/{proc.pid}/task/{thread.id}/comm")
                with contextlib.suppress(OSError):
                    name = comm.read_text().strip()
                    out[(proc.pid, thread.id)] = (
                        name,
                        float(thread.user_time + thread.system_time),
                    )
    return out


def tree_memory(pid: int) -> tuple[float, float, int]:
    """PSS and RSS in MB summed over the tree, and its process count. PSS splits shared
    pages among the processes sharing them, so summing it counts each page once."""
    pss = rss = 0.0
    procs = tree(pid)
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            info = proc.memory_full_info()
            pss += getattr(info, "pss", info.rss) / MB
            rss += info.rss / MB
    return pss, rss, len(procs)


@dataclass(frozen=True)
class CoreTimes:
    busy: float
    total: float


def core_times() -> dict[int, CoreTimes]:
    """Jiffies per core from /proc/stat (busy = all but idle and iowait)."""
    out: dict[int, CoreTimes] = {}
    for line in Path("/proc/stat").read_text().splitlines():
        name, *fields = line.split()
        if not name.startswith("cpu") or name == "cpu":
            continue
        values = [int(v) for v in fields[:8]]
        idle = values[3] + values[4]
        out[int(name[3:])] = CoreTimes(busy=sum(values) - idle, total=sum(values))
    return out


def utilisation(before: dict[int, CoreTimes], after: dict[int, CoreTimes]) -> dict[int, float]:
    """Busy fraction (0..1) of each core between two ``core_times`` readings."""
    out = {}
    for core, end in after.items():
        start = before.get(core, CoreTimes(0, 0))
        total = end.total - start.total
        out[core] = (end.busy - start.busy) / total if total > 0 else 0.0
    return out


FIXED_LOOP = """
import hashlib, os, sys, time
os.sched_setaffinity(0, {int(sys.argv[1])})
digest, began = b"parley", time.process_time()
for _ in range(300_000):
    digest = hashlib.sha256(digest).digest()
print(round((time.process_time() - began) * 1000, 1))
"""


def fixed_loop_ms(core: int) -> float:
    """CPU milliseconds a fixed hashing loop takes in a fresh interpreter on ``core``:
    the same work every time, so a VM whose host got busier (it happens within a run
    here) shows as a longer loop rather than as a worker that got worse. The child pins
    itself: no ``preexec_fn`` in a process that has threads."""
    out = subprocess.run(
        [sys.executable, "-c", FIXED_LOOP, str(core)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return float(out.stdout.strip())
