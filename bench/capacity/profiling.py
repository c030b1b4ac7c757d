"""``--profile N``: py-spy on the worker while one level runs."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path


def start_profile(pid: int, out: Path) -> subprocess.Popen[bytes]:
    """py-spy on the whole worker tree, native frames included (WebRTC, onnxruntime), as
    collapsed stacks (one line per stack and its sample count; flamegraph tools read it).
    Native stacks need py-spy to pause the process at each sample: the profiled level's
    latencies are not representative."""
    spy = Path(sys.executable).with_name("py-spy")
    return subprocess.Popen(
        [
            str(spy),
            "record",
            "--pid",
            str(pid),
            "--subprocesses",
            "--native",
            "--rate",
            "50",
            "--format",
            "raw",
            "--output",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop_profile(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
