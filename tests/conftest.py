"""Shared fixtures: real storage emulators and a live API process, on free ports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.api import ApiProcess, api_environment
from harness.emulators import Emulators, running_emulators
from harness.local_model import LocalModelServer, start_local_model_server


@pytest.fixture(scope="session")
def work_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("stack")


@pytest.fixture(scope="session")
def emulators(work_dir: Path) -> Iterator[Emulators]:
    """Azurite (blob) and the Cosmos emulator, shared by the whole test session."""
    with running_emulators(work_dir) as running:
        yield running


@pytest.fixture(scope="session")
def live_api(emulators: Emulators, work_dir: Path) -> Iterator[ApiProcess]:
    """The API under uvicorn against the emulators. ``stop()``/``start()`` simulate an outage."""
    api = ApiProcess(work_dir, api_environment(emulators))
    api.start()
    try:
        yield api
    finally:
        api.stop()


@pytest.fixture(scope="session")
def local_model_server(work_dir: Path) -> Iterator[LocalModelServer]:
    """llama-cpp-python's OpenAI-compatible server with SmolLM2 (``make llm-deps``)."""
    server = start_local_model_server(work_dir)
    try:
        yield server
    finally:
        server.stop()
