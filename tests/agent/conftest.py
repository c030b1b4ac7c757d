"""Fixtures for the agent tests: a real Redis, and the HTTP context plugins expect."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from livekit.agents import utils

from harness.redis_server import start_redis


@pytest.fixture(scope="session")
def redis_url(work_dir: Path) -> Iterator[str]:
    """A throwaway redis-server (Debian package) on a free port, no persistence."""
    server = start_redis(work_dir)
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
async def http_context() -> AsyncIterator[None]:
    """The shared aiohttp session plugins expect inside a job (as the worker provides)."""
    async with utils.http_context.open():
        yield
