"""The HTTP API under uvicorn (the ASGI app the Function App hosts), on a free port."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path

from harness.emulators import Emulators, storage_environment
from harness.livekit import DEV_LIVEKIT_KEY, DEV_LIVEKIT_SECRET
from harness.ports import free_port
from harness.processes import VENV_BIN, ManagedProcess, http_ok

# The keys the harness's APIs accept (in-process test apps and ApiProcess alike).
INTEGRATOR_KEY = "it-key-0123456789"
AGENT_KEY = "agent-key-0123456789"
INTEGRATOR = {"x-api-key": INTEGRATOR_KEY}
AGENT = {"x-api-key": AGENT_KEY}

UNREACHABLE_LIVEKIT = "ws://127.0.0.1:9"
"""For an API that needs no LiveKit server: nothing listens on the discard port."""


@dataclass
class ApiProcess:
    """The HTTP API under uvicorn, restartable on the same port (for outage tests)."""

    work: Path
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    api_key: str = INTEGRATOR_KEY
    agent_key: str = AGENT_KEY
    process: ManagedProcess | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = ManagedProcess(
            f"api-{self.port}",
            [
                str(VENV_BIN / "uvicorn"),
                "functions.app:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
            ],
            self.work,
            env={
                **self.env,
                "PARLEY_API_KEYS": self.api_key,
                "PARLEY_AGENT_KEYS": self.agent_key,
            },
        ).start()
        self.process.wait_ready(http_ok(f"{self.base_url}/api/openapi.json"), timeout=60)

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            self.process = None


def api_environment(
    emulators: Emulators,
    database: str | None = None,
    livekit_url: str = UNREACHABLE_LIVEKIT,
    **extra: str,
) -> dict[str, str]:
    """Settings for an API talking to the local emulators (a fresh database unless named)
    and to a LiveKit server with the development keys; ``extra`` adds or overrides."""
    return {
        **storage_environment(
            emulators.cosmos_port, emulators.azurite_port, database or f"db{uuid.uuid4().hex[:8]}"
        ),
        "LIVEKIT_URL": livekit_url,
        "LIVEKIT_API_KEY": DEV_LIVEKIT_KEY,
        "LIVEKIT_API_SECRET": DEV_LIVEKIT_SECRET,
        "REQUEST_TIMEOUT_SECONDS": "5",
        **extra,
    }
