"""Agent worker start-up: process spawn → health → pre-warmed → registered with LiveKit.

    .venv/bin/python -m bench.agent_startup [runs]

Uses ``.tools/bin/livekit-server`` on a free port when it is installed, so the time to
"registered worker" is real; without it, registration is not measured (the worker then
only gets as far as trying to connect).
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from harness.agent import health_url, launch_agent
from harness.livekit import (
    DEV_LIVEKIT_KEY,
    DEV_LIVEKIT_SECRET,
    LIVEKIT_BIN,
    LiveKitServer,
    start_livekit,
)
from harness.ports import free_port


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=0.5) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


MILESTONES = {
    "process initialized": "first job process ready",
    "registered worker": "registered with LiveKit",
    "failed to connect": "tried to connect",
}
"""The worker's log messages (their start) that mark a milestone."""


def _milestones(log: str) -> set[str]:
    """The milestones the worker's JSON log lines show so far."""
    seen: set[str] = set()
    for line in log.splitlines():
        try:
            message = str(json.loads(line).get("message", ""))
        except ValueError:
            continue
        seen.update(mark for start, mark in MILESTONES.items() if message.startswith(start))
    return seen


def one_run(work: Path, livekit_url: str, registering: bool) -> dict[str, float]:
    """Seconds from spawn to each milestone, noted when the health check or the log (polled
    every 10 ms) first shows it."""
    env = {
        "LIVEKIT_URL": livekit_url,
        "LIVEKIT_API_KEY": DEV_LIVEKIT_KEY,
        "LIVEKIT_API_SECRET": DEV_LIVEKIT_SECRET,
        "HEALTH_PORT": str(free_port()),
    }
    last = "registered with LiveKit" if registering else "tried to connect"
    wanted = {"health endpoint up", "first job process ready", last}
    marks: dict[str, float] = {}
    started = time.monotonic()
    worker = launch_agent(work, env, name=f"agent-{env['HEALTH_PORT']}")
    try:
        deadline = started + 30
        while time.monotonic() < deadline:
            now = time.monotonic() - started
            if "health endpoint up" not in marks and _healthy(health_url(worker)):
                marks["health endpoint up"] = now
            for mark in _milestones(worker.log_text()) - marks.keys():
                marks[mark] = now
            if wanted <= marks.keys():
                break
            time.sleep(0.01)
    finally:
        worker.stop(timeout=30)
    return marks


def main(runs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="parley-bench-startup-") as tmp:
        work = Path(tmp)
        livekit: LiveKitServer | None = start_livekit(work) if LIVEKIT_BIN.exists() else None
        url = livekit.ws_url if livekit else f"ws://127.0.0.1:{free_port()}"
        try:
            results = [one_run(work, url, livekit is not None) for _ in range(runs)]
        finally:
            if livekit is not None:
                livekit.stop()
    print(f"livekit-server: {'yes, on ' + url if livekit else 'not installed'}; runs: {runs}")
    for mark in sorted({m for r in results for m in r}, key=lambda m: results[0].get(m, 99)):
        values = [r[mark] for r in results if mark in r]
        print(f"{mark:<26} median {statistics.median(values):5.2f} s  max {max(values):5.2f} s")
    print("target: process start to ready-for-jobs <= 3 s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
