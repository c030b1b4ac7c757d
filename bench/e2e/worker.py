"""The measured agent worker (``bench.fixed_worker``): start and stop it, follow its job
process pool, count its jobs; and the safety net for anything left running."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil  # type: ignore[import-untyped]

from harness.processes import ManagedProcess
from harness.stack import Stack, agent_on

UNREFUSING = {"LOAD_THRESHOLD": "inf"}
"""The worker never reports itself full (``bench.fixed_worker`` also reports no CPU load
to the LiveKit server): the benchmark wants to see latency degrade, not calls refused."""


@contextlib.contextmanager
def agent_worker(
    work: Path, svc: Stack, module: str, extra_env: dict[str, str]
) -> Iterator[ManagedProcess]:
    # stopping drains jobs still running (interrupted), then SIGKILL
    name = module.replace(".", "-")
    with agent_on(
        svc, work, name=name, module=module, extra_env=extra_env, stop_timeout=10
    ) as proc:
        yield proc


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
