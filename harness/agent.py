"""Agent worker processes (``python -m agent_app start``) against a local stack."""

from __future__ import annotations

from pathlib import Path

from harness.livekit import DEV_LIVEKIT_KEY, DEV_LIVEKIT_SECRET
from harness.ports import free_port
from harness.processes import VENV_BIN, ManagedProcess


def start_agent(
    work: Path,
    livekit_url: str,
    api_url: str,
    agent_key: str,
    redis_url: str | None = None,
    name: str = "agent",
    *,
    module: str = "agent_app",
    extra_env: dict[str, str] | None = None,
) -> ManagedProcess:
    """`python -m <module> start` (the agent worker, by default) with offline providers;
    waits until it has registered. ``extra_env`` overrides or adds settings."""
    port = free_port()
    env = {
        "LIVEKIT_URL": livekit_url,
        "LIVEKIT_API_KEY": DEV_LIVEKIT_KEY,
        "LIVEKIT_API_SECRET": DEV_LIVEKIT_SECRET,
        "PARLEY_API_URL": api_url,
        "PARLEY_AGENT_KEY": agent_key,
        "HEALTH_PORT": str(port),
        "STT_PROVIDERS": "local",
        "LLM_PROVIDERS": "local",
        "TTS_PROVIDERS": "local",
        # A loaded 2-core test machine must not make the worker refuse jobs.
        "LOAD_THRESHOLD": "2",
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra_env or {})
    proc = launch_agent(work, env, name=f"{name}-{port}", module=module)
    proc.wait_ready(lambda: "registered worker" in proc.log_text(), timeout=90)
    return proc


def launch_agent(
    work: Path, env: dict[str, str], *, name: str = "agent", module: str = "agent_app"
) -> ManagedProcess:
    """`python -m <module> start` with ``env`` over this process's environment, logging
    (JSON lines) to ``work/<name>.log``; returns at once, without waiting for anything."""
    argv = [str(VENV_BIN / "python"), "-m", module, "start"]
    return ManagedProcess(name, argv, work, env=env).start()


def health_url(proc: ManagedProcess, path: str = "/") -> str:
    """The worker's health server (``HEALTH_PORT``): ``/`` answers 200 once it runs,
    ``/worker`` describes it (agent name, active jobs)."""
    return f"http://127.0.0.1:{proc.env['HEALTH_PORT']}{path}"


def serving_worker(workers: list[ManagedProcess], room: str) -> ManagedProcess:
    """The one running worker whose log shows it took the job for ``room``."""
    found = [p for p in workers if p.proc is not None and room in p.log_text()]
    assert len(found) == 1, f"expected one worker serving {room}, found {len(found)}"
    return found[0]
