"""Agent worker processes for end-to-end tests."""

from __future__ import annotations

from pathlib import Path

from tests.support.processes import VENV_BIN, ManagedProcess, free_port
from tests.support.stack import DEV_LIVEKIT_KEY, DEV_LIVEKIT_SECRET

CALLER_SENTENCES = ["hello there", "what time is it", "thank you goodbye"]


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
        "LOCAL_STT_PHRASES": "|".join(CALLER_SENTENCES),
        # A loaded 2-core test machine must not make the worker refuse jobs.
        "LOAD_THRESHOLD": "2",
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra_env or {})
    proc = ManagedProcess(
        f"{name}-{port}", [str(VENV_BIN / "python"), "-m", module, "start"], work, env=env
    ).start()
    proc.wait_ready(lambda: "registered worker" in _read(proc.log_path), timeout=90)
    return proc


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""
