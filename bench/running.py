"""What the end-to-end benchmarks share: process trees, a once-a-second sampling thread,
and a run in a work directory that is kept for its logs when the run fails."""

from __future__ import annotations

import contextlib
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Self

import psutil  # type: ignore[import-untyped]


def tree(pid: int) -> list[psutil.Process]:
    """A process and all its descendants (empty once it is gone)."""
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


class SamplingThread:
    """Calls ``sample()`` once a second in a daemon thread while in a ``with`` block; a
    failed sample (a process that just exited) is skipped, not fatal."""

    def __init__(self, name: str) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def sample(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            with contextlib.suppress(Exception):
                self.sample()


def _terminate(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def run_in_work_dir(
    prefix: str,
    run: Callable[[Path], int],
    *,
    keep_logs: bool = False,
    finally_: Callable[[], None] | None = None,
) -> int:
    """``run`` in a fresh temporary directory, SIGTERM treated as Ctrl-C; the directory is
    removed afterwards unless ``keep_logs`` or the run failed or was interrupted (130).
    ``finally_`` runs last in every case (a safety net for started processes)."""
    signal.signal(signal.SIGTERM, _terminate)
    work = Path(tempfile.mkdtemp(prefix=prefix))
    keep, status = keep_logs, 1
    try:
        status = run(work)
    except KeyboardInterrupt:
        keep, status = True, 130
        print("\ninterrupted; everything it started is stopped")
    except BaseException:
        keep = True
        raise
    finally:
        if finally_ is not None:
            finally_()
        if keep:
            print(f"logs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return status
