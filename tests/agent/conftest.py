"""Fixtures for the agent tests: a real Redis, a real LiveKit server, and the HTTP context
plugins expect."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from livekit.agents import utils

from harness.livekit import LiveKitServer, start_livekit
from harness.redis_server import start_redis


@pytest.fixture(scope="session")
def redis_url(work_dir: Path) -> Iterator[str]:
    """A throwaway redis-server (Debian package) on a free port, no persistence."""
    server = start_redis(work_dir)
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="module")
def livekit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveKitServer]:
    """A LiveKit server (dev keys) on free ports, for the tests of one module."""
    server = start_livekit(tmp_path_factory.mktemp("livekit"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def http_context() -> AsyncIterator[None]:
    """The shared aiohttp session plugins expect inside a job (as the worker provides)."""
    async with utils.http_context.open():
        yield
