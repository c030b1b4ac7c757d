"""livekit.rtc's native logs stay native: none reach Python, warnings reach stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from harness.ports import free_port
from harness.processes import ROOT

# Connects a room to a port nothing listens on: the native side logs the failure.
PROBE = """
import asyncio, json, logging, sys
records = []
class Keep(logging.Handler):
    def emit(self, record):
        records.append(record.getMessage())
logging.getLogger("livekit").addHandler(Keep())
logging.getLogger("livekit").setLevel(logging.DEBUG)
if sys.argv[1] == "native":
    from agent_app.runtime.native_logs import keep_native_logs_native
    started = keep_native_logs_native()
else:
    started = None
from livekit import rtc
async def main():
    room = rtc.Room()
    try:
        await asyncio.wait_for(room.connect(sys.argv[2], "not-a-token"), 10)
    except Exception:
        pass
    again = None
    if sys.argv[1] == "native":
        from agent_app.runtime.native_logs import keep_native_logs_native
        again = keep_native_logs_native()  # the runtime has started now
    print(json.dumps({"started": started, "again": again, "python_records": len(records)}))
asyncio.run(main())
"""


def probe(mode: str) -> tuple[dict[str, object], str]:
    env = {k: v for k, v in os.environ.items() if k != "RUST_LOG"}
    env["PYTHONPATH"] = str(ROOT)
    url = f"ws://127.0.0.1:{free_port()}"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, mode, url],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


def test_livekit_captures_native_logs_into_python_by_default() -> None:
    result, _ = probe("captured")
    assert isinstance(result["python_records"], int) and result["python_records"] > 0


def test_without_capture_no_record_reaches_python_and_warnings_reach_stderr() -> None:
    result, stderr = probe("native")
    assert result["started"] is True
    assert result["python_records"] == 0
    assert "livekit" in stderr and ("WARN" in stderr or "ERROR" in stderr)
    # too late once the runtime runs: said, not silently ignored
    assert result["again"] is False
