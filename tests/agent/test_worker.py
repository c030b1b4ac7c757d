"""The worker process: CLI entry, prewarm, health endpoint, explicit agent name, SIGTERM drain."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path
from types import SimpleNamespace

from livekit.agents import inference

from agent_app.runtime.worker import prewarm
from agent_app.settings import AgentSettings
from harness.agent import health_url, launch_agent
from harness.ports import free_port
from harness.processes import ROOT, run_probe


def test_prewarm_loads_models_and_settings_once_per_process() -> None:
    proc = SimpleNamespace(userdata={})
    prewarm(proc)  # type: ignore[arg-type]
    assert isinstance(proc.userdata["settings"], AgentSettings)
    assert isinstance(proc.userdata["vad"], inference.VAD)


FREEZE_PROBE = """
import gc, json, weakref
from types import SimpleNamespace
from typing import Any
from agent_app.runtime.worker import prewarm

gc.disable()  # only prewarm may collect: whatever is collected below, it collected

class Node:
    pass

garbage = Node()
garbage.me = garbage  # a cycle: only the cyclic collector frees it
dead = weakref.ref(garbage)
del garbage
alive = Node()
prewarm(SimpleNamespace(userdata={}))
frozen = gc.get_freeze_count()
prewarm(SimpleNamespace(userdata={}))  # a second job thread in the same process
print(json.dumps({
    "garbage_collected": dead() is None,
    "alive_tracked": any(o is alive for o in gc.get_objects()),
    "frozen": frozen,
    "frozen_again": gc.get_freeze_count() - frozen,
}))
"""


def test_prewarm_freezes_the_start_up_heap_once_after_collecting_its_garbage() -> None:
    probe = run_probe(FREEZE_PROBE)
    assert probe["garbage_collected"]  # collected, not frozen for the process's life
    assert not probe["alive_tracked"]  # out of every later full collection's walk
    assert probe["frozen"] > 50_000  # the start-up heap, not a handful of objects
    assert probe["frozen_again"] == 0


RUNTIME_PROBE = """
import json, sys, threading
from livekit.rtc._ffi_client import FfiClient
from agent_app.settings import AgentSettings
from agent_app.runtime.worker import setup_process

setup_process(AgentSettings(job_executor=sys.argv[1]), models=False)
made_at_set_up = FfiClient._instance
start = threading.Barrier(4)
seen = []

def first_call():  # four calls starting together, as a fresh worker's first jobs may
    start.wait()
    seen.append(id(FfiClient.instance))

threads = [threading.Thread(target=first_call) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(json.dumps({
    "made_at_set_up": made_at_set_up is not None,
    "clients": len(set(seen)),
    "same_as_set_up": made_at_set_up is not None and set(seen) == {id(made_at_set_up)},
}))
"""


def test_calls_starting_together_share_the_one_native_runtime_client() -> None:
    # made lazily and without a lock, it was made once per racing thread: a call whose
    # room listened on a discarded client never heard its connect callback
    for executor in ("thread", "loop"):
        probe = run_probe(RUNTIME_PROBE, executor)
        assert probe == {"made_at_set_up": True, "clients": 1, "same_as_set_up": True}


def test_a_process_per_call_worker_starts_no_runtime_of_its_own() -> None:
    assert run_probe(RUNTIME_PROBE, "process")["made_at_set_up"] is False


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=1) as resp:
            return resp.status, resp.read().decode()
    except OSError:
        return 0, ""


def test_worker_serves_health_and_drains_on_sigterm(tmp_path: Path) -> None:
    env = {
        "LIVEKIT_URL": f"ws://127.0.0.1:{free_port()}",  # nothing listens: registration retries
        "HEALTH_PORT": str(free_port()),
        "AGENT_NAME": "parley-test-agent",
        "DRAIN_TIMEOUT_SECONDS": "5",
    }
    worker = launch_agent(tmp_path, env)
    try:
        worker.wait_ready(lambda: _get(health_url(worker))[0] == 200, timeout=30)
        status, body = _get(health_url(worker, "/worker"))
        assert status == 200 and json.loads(body)["agent_name"] == "parley-test-agent"
        assert worker.proc is not None
        worker.proc.send_signal(signal.SIGTERM)
        assert worker.proc.wait(timeout=20) == 0
    finally:
        worker.kill()


def test_cli_lists_the_livekit_commands() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "agent_app", "--help"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0
    for command in ("start", "dev", "console", "download-files"):
        assert command in out.stdout
