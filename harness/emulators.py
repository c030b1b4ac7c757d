"""The storage emulators: Azurite (Blob Storage) and the Cosmos DB emulator, from npm."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from harness.ports import free_port, port_open
from harness.processes import NODE_BIN, ManagedProcess, http_ok

# The emulators' published, well-known development credentials (not secrets).
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
COSMOS_EMULATOR_KEY = (
    "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=="
)


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


@dataclass(frozen=True)
class Emulators:
    """Where the running emulators listen, and the processes behind them."""

    cosmos_port: int
    azurite_port: int
    processes: tuple[ManagedProcess, ...] = ()


def storage_environment(cosmos_port: int, azurite_port: int, database: str) -> dict[str, str]:
    """The API's storage settings for the local emulators."""
    return {
        "COSMOS_ENDPOINT": f"https://127.0.0.1:{cosmos_port}",
        "COSMOS_KEY": COSMOS_EMULATOR_KEY,
        "COSMOS_DATABASE": database,
        "STORAGE_CONNECTION_STRING": azurite_connection_string(azurite_port),
    }


@contextlib.contextmanager
def running_emulators(work: Path) -> Iterator[Emulators]:
    """Azurite and the Cosmos emulator on free ports, stopped on exit."""
    with contextlib.ExitStack() as stack:
        azurite, azurite_port = start_azurite(work)
        stack.callback(azurite.stop)
        cosmos, cosmos_port = start_cosmos(work)
        stack.callback(cosmos.stop)
        yield Emulators(cosmos_port, azurite_port, (azurite, cosmos))
