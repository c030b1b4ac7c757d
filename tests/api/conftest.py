"""In-process API clients (httpx over ASGI) against the real emulators."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from functions.app import create_app
from functions.settings import ApiSettings
from harness.api import AGENT_KEY, INTEGRATOR_KEY, api_environment
from harness.emulators import Emulators


def make_settings(emulators: Emulators, **overrides: Any) -> ApiSettings:
    env = api_environment(
        emulators,
        PARLEY_API_KEYS=INTEGRATOR_KEY,
        PARLEY_AGENT_KEYS=AGENT_KEY,
        UPLOAD_MAX_BYTES=str(1024 * 1024),
    )
    values: dict[str, Any] = {k.lower(): v for k, v in env.items()}
    values.update(overrides)
    return ApiSettings(**values)


@pytest.fixture
def api_settings(emulators: Emulators) -> Callable[..., ApiSettings]:
    """Factory: the test app's settings with the given overrides."""
    return lambda **overrides: make_settings(emulators, **overrides)


@pytest.fixture
async def make_client(
    emulators: Emulators,
) -> AsyncIterator[Callable[..., httpx.AsyncClient]]:
    """Factory: an in-process client for an app built with the given setting overrides."""
    apps = []
    clients: list[httpx.AsyncClient] = []

    def factory(**overrides: Any) -> httpx.AsyncClient:
        app = create_app(make_settings(emulators, **overrides))
        apps.append(app)
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=("203.0.113.7", 5000)),
            base_url="http://testserver",
            timeout=30,
        )
        clients.append(client)
        return client

    yield factory
    for client in clients:
        await client.aclose()
    for app in apps:
        await app.state.services.close()


@pytest.fixture(scope="module")
def database_name() -> str:
    return f"db{uuid.uuid4().hex[:10]}"


@pytest.fixture
async def client(
    make_client: Callable[..., httpx.AsyncClient], database_name: str
) -> httpx.AsyncClient:
    """A client for the default test app; one Cosmos database per test module."""
    return make_client(cosmos_database=database_name)
