"""``python -m scripts.stack.gate PROCFILE NAME``: what supervisord runs for each process.

Waits until every process NAME needs (``health.NEEDS``) answers its health check, then
replaces itself with NAME's command (same pid, so a signal reaches the real process).
A dependency still down after ``GATE_TIMEOUT_S`` makes the gate exit 1: supervisord then
starts it again, so the wait repeats with its back-off instead of hanging forever.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from scripts.stack.health import NEEDS, unhealthy
from scripts.stack.procfile import read_procfile

GATE_TIMEOUT_S = 120.0
POLL_S = 0.25
REPORT_EVERY_S = 10.0


def wait_for_needs(name: str) -> bool:
    needs = NEEDS.get(name, ())
    deadline = time.monotonic() + GATE_TIMEOUT_S
    next_report = time.monotonic()
    while True:
        down = unhealthy(needs, os.environ)
        if not down:
            return True
        if time.monotonic() >= deadline:
            print(f"[gate] {name}: gave up waiting for {', '.join(down)}", flush=True)
            return False
        if time.monotonic() >= next_report:
            print(f"[gate] {name}: waiting for {', '.join(down)}", flush=True)
            next_report += REPORT_EVERY_S
        time.sleep(POLL_S)


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: python -m scripts.stack.gate PROCFILE NAME", file=sys.stderr)
        return 2
    procfile, name = Path(argv[1]), argv[2]
    commands = read_procfile(procfile)
    if name not in commands:
        print(f"[gate] {name} is not in {procfile}", file=sys.stderr)
        return 2
    if not wait_for_needs(name):
        return 1
    # `exec` keeps this pid for the process itself; the shell expands $PARLEY_* ports.
    os.execv("/bin/sh", ["sh", "-c", f"exec {commands[name]}"])
    return 0  # unreachable: execv replaces this process


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
