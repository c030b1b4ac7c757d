"""In-process API clients (httpx over ASGI) against the real emulators."""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from google.protobuf.json_format import MessageToJson
from livekit import api
from livekit.protocol.webhook import WebhookEvent

from functions.app import create_app
from functions.settings import ApiSettings
from tests.conftest import Emulators
from tests.support.stack import DEV_LIVEKIT_KEY, DEV_LIVEKIT_SECRET

INTEGRATOR_KEY = "it-key-0123456789"
AGENT_KEY = "agent-key-0123456789"


def make_settings(emulators: Emulators, **overrides: Any) -> ApiSettings:
    env = emulators.api_env(
        PARLEY_API_KEYS=INTEGRATOR_KEY,
        PARLEY_AGENT_KEYS=AGENT_KEY,
        UPLOAD_MAX_BYTES=str(1024 * 1024),
    )
    values: dict[str, Any] = {k.lower(): v for k, v in env.items()}
    values.update(overrides)
    return ApiSettings(**values)


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


INTEGRATOR = {"x-api-key": INTEGRATOR_KEY}
AGENT = {"x-api-key": AGENT_KEY}


def body_digest(body: str) -> str:
    return base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()


def sign_webhook(body: str, secret: str = DEV_LIVEKIT_SECRET, key: str = DEV_LIVEKIT_KEY) -> str:
    """Sign a webhook exactly as the LiveKit server does: a JWT holding the body's sha256."""
    return api.AccessToken(key, secret).with_sha256(body_digest(body)).to_jwt()


def webhook_body(event: WebhookEvent) -> str:
    return MessageToJson(event)


def room_event(
    kind: str,
    room_sid: str,
    room_name: str,
    created_at: int,
    event_id: str | None = None,
    participant: api.ParticipantInfo | None = None,
) -> WebhookEvent:
    event = WebhookEvent(
        event=kind,
        id=event_id or f"EV_{uuid.uuid4().hex[:12]}",
        created_at=created_at,
        room=api.Room(sid=room_sid, name=room_name, creation_time=created_at - 1),
    )
    if participant is not None:
        event.participant.CopyFrom(participant)
    return event
