"""The local stack's servers, started for tests (and reused by `scripts/devstack`)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.processes import (
    NODE_BIN,
    VENV_BIN,
    ManagedProcess,
    free_port,
    http_ok,
    port_open,
)

# The emulators' published, well-known development credentials (not secrets).
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
COSMOS_EMULATOR_KEY = (
    "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=="
)
DEV_LIVEKIT_KEY = "devkey"
DEV_LIVEKIT_SECRET = "parley-local-development-secret-0123456789"


def azurite_connection_string(port: int) -> str:
    return (
        f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
        f"BlobEndpoint=http://127.0.0.1:{port}/{AZURITE_ACCOUNT};"
    )


def start_azurite(work: Path, port: int | None = None) -> tuple[ManagedProcess, int]:
    port = port or free_port()
    data = work / f"azurite-{port}"
    data.mkdir(parents=True, exist_ok=True)
    proc = ManagedProcess(
        f"azurite-{port}",
        [
            str(NODE_BIN / "azurite-blob"),
            "--blobHost",
            "127.0.0.1",
            "--blobPort",
            str(port),
            "--location",
            str(data),
            "--silent",
            "--disableTelemetry",
            "--skipApiVersionCheck",
        ],
        work,
    ).start()
    proc.wait_ready(lambda: port_open(port), timeout=60)
    return proc, port


def start_cosmos(work: Path, port: int | None = None) -> tuple[ManagedProcess, int]:
    port = port or free_port()
    proc = ManagedProcess(
        f"cosmos-{port}",
        [str(NODE_BIN / "cosmosdb-server"), "--host", "127.0.0.1", "-p", str(port)],
        work,
    ).start()
    proc.wait_ready(http_ok(f"https://127.0.0.1:{port}/"), timeout=60)
    return proc, port


def start_redis(work: Path, port: int | None = None) -> tuple[ManagedProcess, int]:
    port = port or free_port()
    exe = shutil.which("redis-server")
    if exe is None:
        raise RuntimeError("redis-server is not installed (make system-deps installs it)")
    proc = ManagedProcess(
        f"redis-{port}",
        [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        work,
    ).start()
    proc.wait_ready(lambda: port_open(port), timeout=30)
    return proc, port


@dataclass
class ApiProcess:
    """The HTTP API under uvicorn, restartable on the same port (for outage tests)."""

    work: Path
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    api_key: str = "test-integrator-key"
    agent_key: str = "test-agent-key"
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
    cosmos_port: int, azurite_port: int, database: str, livekit_url: str = "ws://127.0.0.1:9"
) -> dict[str, str]:
    """Settings for an API process talking to the local emulators."""
    return {
        "COSMOS_ENDPOINT": f"https://127.0.0.1:{cosmos_port}",
        "COSMOS_KEY": COSMOS_EMULATOR_KEY,
        "COSMOS_DATABASE": database,
        "STORAGE_CONNECTION_STRING": azurite_connection_string(azurite_port),
        "LIVEKIT_URL": livekit_url,
        "LIVEKIT_API_KEY": DEV_LIVEKIT_KEY,
        "LIVEKIT_API_SECRET": DEV_LIVEKIT_SECRET,
        "REQUEST_TIMEOUT_SECONDS": "5",
    }
