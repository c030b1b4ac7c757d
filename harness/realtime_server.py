"""The realtime double as its own process (``python -m harness.doubles.realtime``), as a
deployment would reach a realtime service: killing it is the service going away."""

from __future__ import annotations

from pathlib import Path

from harness.doubles.realtime import READY
from harness.ports import free_port
from harness.processes import VENV_BIN, ManagedProcess


def start_realtime_server(
    work: Path, name: str = "realtime", *options: str
) -> tuple[ManagedProcess, str]:
    """Start the double on a free port with its command-line ``options``; returns the
    process and its base URL."""
    port = free_port()
    argv = [str(VENV_BIN / "python"), "-m", "harness.doubles.realtime", "--port", str(port)]
    argv += options
    proc = ManagedProcess(f"{name}-{port}", argv, work).start()
    proc.wait_ready(lambda: READY in proc.log_text(), timeout=60)
    return proc, f"http://127.0.0.1:{port}"


def connections(proc: ManagedProcess, path: str) -> int:
    """How many connections the double has taken on ``path`` (from its log)."""
    return proc.log_text().count(f"connection on {path}\n")
