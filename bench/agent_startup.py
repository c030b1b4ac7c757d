"""Agent worker start-up: process spawn → health → pre-warmed → registered with LiveKit.

    .venv/bin/python -m bench.agent_startup [runs]

Uses ``.tools/bin/livekit-server --dev`` on a free port when it is installed, so the
time to "registered worker" is real; without it, registration is not measured (the
worker then only gets as far as trying to connect).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from harness.ports import free_port

ROOT = Path(__file__).resolve().parents[1]
LIVEKIT = ROOT / ".tools" / "bin" / "livekit-server"


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=0.5) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


def start_livekit() -> tuple[subprocess.Popen[bytes] | None, str]:
    binary = str(LIVEKIT) if LIVEKIT.exists() else shutil.which("livekit-server")
    if binary is None:
        return None, f"ws://127.0.0.1:{free_port()}"
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--dev", "--bind", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while not _healthy(port):
        if time.monotonic() > deadline:
            raise RuntimeError("livekit-server did not start")
        time.sleep(0.05)
    return proc, f"ws://127.0.0.1:{port}"


def one_run(livekit_url: str, registering: bool) -> dict[str, float]:
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "LIVEKIT_URL": livekit_url,
        "HEALTH_PORT": str(port),
    }
    marks: dict[str, float] = {}
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "agent_app", "start"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    done = threading.Event()

    def read_logs() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            try:
                message = json.loads(line).get("message", "")
            except ValueError:
                continue
            now = time.monotonic() - started
            if message == "process initialized" and "first job process ready" not in marks:
                marks["first job process ready"] = now
            if message == "registered worker":
                marks["registered with LiveKit"] = now
            if message.startswith("failed to connect") and "tried to connect" not in marks:
                marks["tried to connect"] = now
            want = "registered with LiveKit" if registering else "tried to connect"
            if want in marks and "first job process ready" in marks:
                done.set()

    reader = threading.Thread(target=read_logs, daemon=True)
    reader.start()
    try:
        while not _healthy(port):
            time.sleep(0.01)
        marks["health endpoint up"] = time.monotonic() - started
        done.wait(30)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    return marks


def main(runs: int) -> None:
    livekit, url = start_livekit()
    try:
        results = [one_run(url, livekit is not None) for _ in range(runs)]
    finally:
        if livekit is not None:
            livekit.terminate()
            livekit.wait(timeout=10)
    print(f"livekit-server: {'yes, --dev on ' + url if livekit else 'not installed'}; runs: {runs}")
    for mark in sorted({m for r in results for m in r}, key=lambda m: results[0].get(m, 99)):
        values = [r[mark] for r in results if mark in r]
        print(f"{mark:<26} median {statistics.median(values):5.2f} s  max {max(values):5.2f} s")
    print("target: process start to ready-for-jobs <= 3 s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
