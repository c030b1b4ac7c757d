"""Server-made room names authenticate themselves: minting a token for one touches no
store, and no other tenant (or client) can use or forge one."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest
from livekit import api

from functions.services import ServiceHolder
from functions.tokens.room_claims import RoomClaims
from functions.tokens.room_names import PREFIX, ReservedRoomName, RoomNames
from harness.livekit import DEV_LIVEKIT_KEY, DEV_LIVEKIT_SECRET
from harness.webhooks import room_event, sign_webhook, webhook_body
from tests.api.test_room_claims import CountingContainer

ACME = {"x-api-key": "acme-key-0123456789"}
GLOBEX = {"x-api-key": "globex-key-0123456789"}
KEYS = "acme=acme-key-0123456789,globex=globex-key-0123456789"
VERIFIER = api.TokenVerifier(DEV_LIVEKIT_KEY, DEV_LIVEKIT_SECRET)


def test_a_name_tells_its_tenant_and_nothing_else_verifies() -> None:
    names = RoomNames("server-secret")
    room = names.make("acme")
    assert room.startswith(f"{PREFIX}acme-")
    assert names.make("acme") != room
    assert names.tenant_of(room) == "acme"
    # another tenant's name on the same nonce and MAC, a changed MAC, another key
    with pytest.raises(ReservedRoomName):
        names.tenant_of(room.replace(f"{PREFIX}acme-", f"{PREFIX}globex-"))
    flipped = room[:-1] + ("0" if room[-1] != "0" else "1")
    with pytest.raises(ReservedRoomName):
        names.tenant_of(flipped)
    with pytest.raises(ReservedRoomName):
        RoomNames("another-secret").tenant_of(room)
    # names of any other shape are the clients' own
    for chosen in ["support-42", "parley-1a2b3c4d5e6f", "parley-acme-room", room + "x"]:
        assert names.tenant_of(chosen) is None
    with pytest.raises(ValueError):
        RoomNames("")


@pytest.fixture
async def client(
    make_client: Callable[..., httpx.AsyncClient], database_name: str
) -> httpx.AsyncClient:
    return make_client(cosmos_database=database_name, parley_api_keys=KEYS)


async def counted_claims(client: httpx.AsyncClient) -> CountingContainer:
    """Route the app's room claims through a container that counts store operations."""
    assert (await client.get("/api/health")).status_code == 200
    app = client._transport.app  # type: ignore[attr-defined]
    holder: ServiceHolder = app.state.services
    svc = await holder.get()
    store = CountingContainer(svc.cosmos.sessions)

    async def no_room(room: str) -> bool:
        return False

    svc.room_claims = RoomClaims(store, no_room, timedelta(minutes=15))  # type: ignore[arg-type]
    return store


async def token(
    client: httpx.AsyncClient, headers: dict[str, str], room: str | None = None
) -> httpx.Response:
    body = {"roomName": room} if room else {}
    return await client.post("/api/token", json=body, headers=headers)


async def test_a_server_made_room_costs_the_store_nothing(client: httpx.AsyncClient) -> None:
    store = await counted_claims(client)
    fresh = await token(client, ACME)
    assert fresh.status_code == 200, fresh.text
    room = fresh.json()["roomName"]
    grant = VERIFIER.verify(fresh.json()["participantToken"]).video
    assert grant is not None and grant.room == room
    rejoin = await token(client, ACME, room)
    assert rejoin.status_code == 200, rejoin.text
    assert store.calls == Counter(), "server-made names need no claim"
    # a client-chosen name still takes its one conditional create
    assert (await token(client, ACME, f"chosen-{uuid.uuid4().hex[:8]}")).status_code == 200
    assert store.calls == Counter(create_item=1)


async def test_no_other_tenant_or_client_can_use_or_forge_a_server_made_name(
    client: httpx.AsyncClient,
) -> None:
    room = (await token(client, ACME)).json()["roomName"]
    taken = await token(client, GLOBEX, room)
    assert taken.status_code == 409 and taken.json()["error"] == "room_in_use"
    forged = room.replace(f"{PREFIX}acme-", f"{PREFIX}globex-")
    refused = await token(client, GLOBEX, forged)
    assert refused.status_code == 422 and refused.json()["error"] == "room_name_reserved"
    guessed = f"{PREFIX}globex-{'0' * 12}-{'0' * 24}"
    assert (await token(client, GLOBEX, guessed)).status_code == 422


async def test_the_webhook_gives_a_server_made_room_to_its_tenant(
    client: httpx.AsyncClient,
) -> None:
    room = (await token(client, ACME)).json()["roomName"]
    sid = f"RM_{uuid.uuid4().hex[:12]}"
    body = webhook_body(room_event("room_started", sid, room, int(time.time())))
    resp = await client.post(
        "/api/livekit/webhook",
        content=body,
        headers={"Authorization": sign_webhook(body), "Content-Type": "application/webhook+json"},
    )
    assert resp.status_code == 200, resp.text
    mine = await client.get(f"/api/sessions/{sid}", headers=ACME)
    assert mine.status_code == 200 and mine.json()["roomName"] == room
    assert (await client.get(f"/api/sessions/{sid}", headers=GLOBEX)).status_code == 404
