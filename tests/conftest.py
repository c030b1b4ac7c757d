"""Shared fixtures: real storage emulators and a live API process, on free ports."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.stack import (
    ApiProcess,
    api_environment,
    start_azurite,
    start_cosmos,
)


@pytest.fixture(scope="session")
def work_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("stack")


@dataclass(frozen=True)
class Emulators:
    cosmos_port: int
    azurite_port: int

    def api_env(self, database: str | None = None, **extra: str) -> dict[str, str]:
        env = api_environment(
            self.cosmos_port, self.azurite_port, database or f"db{uuid.uuid4().hex[:8]}"
        )
        env.update(extra)
        return env


@pytest.fixture(scope="session")
def emulators(work_dir: Path) -> Iterator[Emulators]:
    """Azurite (blob) and the Cosmos emulator, shared by the whole test session."""
    azurite, azurite_port = start_azurite(work_dir)
    try:
        cosmos, cosmos_port = start_cosmos(work_dir)
    except BaseException:
        azurite.stop()
        raise
    try:
        yield Emulators(cosmos_port=cosmos_port, azurite_port=azurite_port)
    finally:
        cosmos.stop()
        azurite.stop()


@pytest.fixture(scope="session")
def live_api(emulators: Emulators, work_dir: Path) -> Iterator[ApiProcess]:
    """The API under uvicorn against the emulators. ``stop()``/``start()`` simulate an outage."""
    api = ApiProcess(work_dir, emulators.api_env())
    api.start()
    try:
        yield api
    finally:
        api.stop()
