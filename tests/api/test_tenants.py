"""Tenants: keys name their tenant, every session-scoped route is scoped to it, room names
are claimed per tenant, and each tenant's agent profile reaches the agent."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from livekit import api
from pydantic import SecretStr

from functions.core.errors import Conflict, Unavailable
from functions.services import build_services
from functions.settings import ApiSettings, TenantKey, tenant_key
from functions.tokens.room_claims import RoomClaims
from harness.api import AGENT_KEY
from harness.livekit import DEV_LIVEKIT_KEY, DEV_LIVEKIT_SECRET
from harness.webhooks import room_event, sign_webhook, webhook_body

ACME = {"x-api-key": "acme-key-0123456789"}
GLOBEX = {"x-api-key": "globex-key-0123456789"}
BARE = {"x-api-key": "bare-key-0123456789"}
KEYS = "acme=acme-key-0123456789,globex=globex-key-0123456789,bare-key-0123456789"
AGENT = {"x-api-key": AGENT_KEY}
VERIFIER = api.TokenVerifier(DEV_LIVEKIT_KEY, DEV_LIVEKIT_SECRET)
TEXT = b"Acme's launch is on Tuesday.\n"


@pytest.fixture
async def client(
    make_client: Callable[..., httpx.AsyncClient], database_name: str
) -> httpx.AsyncClient:
    return make_client(cosmos_database=database_name, parley_api_keys=KEYS)


def test_keys_name_their_tenant_and_a_bare_key_is_the_default_tenant() -> None:
    settings = ApiSettings(parley_api_keys="acme=k1, globex=k2=x ,plain,Upper=k3,=k4,a=")
    parsed = [(k.tenant, k.key.get_secret_value()) for k in settings.integrator_keys]
    assert parsed == [
        ("acme", "k1"),
        ("globex", "k2=x"),  # only the first "=" separates
        ("default", "plain"),
        ("default", "Upper=k3"),  # not a tenant name: the whole entry is one key
        ("default", "=k4"),
        ("default", "a="),
    ]
    assert tenant_key(SecretStr("x=y")) == TenantKey("x", SecretStr("y"))
    with pytest.raises(ValueError):
        ApiSettings(easy_auth_tenant="Not A Tenant")


async def token(client: httpx.AsyncClient, headers: dict[str, str], room: str) -> httpx.Response:
    return await client.post("/api/token", json={"roomName": room}, headers=headers)


async def post_event(client: httpx.AsyncClient, kind: str, sid: str, room: str) -> None:
    body = webhook_body(room_event(kind, sid, room, int(time.time())))
    resp = await client.post(
        "/api/livekit/webhook",
        content=body,
        headers={"Authorization": sign_webhook(body), "Content-Type": "application/webhook+json"},
    )
    assert resp.status_code == 200, resp.text


async def agent_writes_segment(
    client: httpx.AsyncClient, sid: str, tenant: str, role: str, text: str
) -> None:
    """The agent writes turn 0 of ``sid``, naming the tenant its dispatch gave it."""
    segment = {"id": f"{sid}-000000-{role}", "role": role, "text": text, "turnIndex": 0}
    resp = await client.post(
        f"/api/sessions/{sid}/transcript",
        json={"segments": [segment]},
        headers={**AGENT, "x-parley-tenant": tenant},
    )
    assert resp.status_code == 200, resp.text


async def acme_session(client: httpx.AsyncClient) -> tuple[str, str]:
    """A call of tenant acme: acme mints a token, LiveKit reports the room started, the
    agent writes a transcript segment and an event, acme uploads a document."""
    room = f"acme-{uuid.uuid4().hex[:8]}"
    sid = f"RM_{uuid.uuid4().hex[:12]}"
    assert (await token(client, ACME, room)).status_code == 200
    await post_event(client, "room_started", sid, room)
    await agent_writes_segment(client, sid, "acme", "assistant", "Hi")
    event = {"id": "ev-1", "type": "participant_connected", "at": "2026-11-29T08:00:00.000Z"}
    resp = await client.post(f"/api/sessions/{sid}/events", json={"events": [event]}, headers=AGENT)
    assert resp.status_code == 200, resp.text
    ticket = await client.post(
        f"/api/sessions/{sid}/uploads",
        json={"filename": "notes.txt", "contentType": "text/plain", "size": len(TEXT)},
        headers=ACME,
    )
    assert ticket.status_code == 201, ticket.text
    async with httpx.AsyncClient(timeout=10) as raw:
        put = await raw.put(
            ticket.json()["uploadUrl"], content=TEXT, headers=ticket.json()["requiredHeaders"]
        )
        assert put.status_code == 201
    upload_id = ticket.json()["uploadId"]
    done = await client.post(f"/api/sessions/{sid}/uploads/{upload_id}/complete", headers=ACME)
    assert done.status_code == 200 and done.json()["status"] == "ready", done.text
    return sid, upload_id


UPLOAD_BODY = {"filename": "x.txt", "contentType": "text/plain", "size": 3}
SEGMENT = {"role": "user", "text": "intrude", "turnIndex": 7}


def session_routes(sid: str, upload_id: str) -> dict[tuple[str, str], dict[str, Any]]:
    """Every route under /api/sessions/{sessionId}, with a request valid in every other way."""
    base = f"/api/sessions/{sid}"
    return {
        ("get", "/api/sessions/{sessionId}"): {"url": base},
        ("get", "/api/sessions/{sessionId}/transcript"): {"url": f"{base}/transcript"},
        ("post", "/api/sessions/{sessionId}/transcript"): {
            "url": f"{base}/transcript",
            "json": {"segments": [{**SEGMENT, "id": f"{sid}-000007-user"}]},
        },
        ("get", "/api/sessions/{sessionId}/events"): {"url": f"{base}/events"},
        ("get", "/api/sessions/{sessionId}/metrics"): {"url": f"{base}/metrics"},
        ("post", "/api/sessions/{sessionId}/events"): {
            "url": f"{base}/events",
            "json": {"events": [{"id": "ev-x", "type": "intrude", "at": "2026-11-29"}]},
        },
        ("get", "/api/sessions/{sessionId}/uploads"): {"url": f"{base}/uploads"},
        ("post", "/api/sessions/{sessionId}/uploads"): {
            "url": f"{base}/uploads",
            "json": UPLOAD_BODY,
        },
        ("get", "/api/sessions/{sessionId}/uploads/{uploadId}"): {
            "url": f"{base}/uploads/{upload_id}"
        },
        ("post", "/api/sessions/{sessionId}/uploads/{uploadId}/complete"): {
            "url": f"{base}/uploads/{upload_id}/complete"
        },
    }


AGENT_ONLY = {
    ("post", "/api/sessions/{sessionId}/transcript"),
    ("post", "/api/sessions/{sessionId}/events"),
}


async def test_every_session_route_answers_404_to_another_tenant(
    client: httpx.AsyncClient,
) -> None:
    sid, upload_id = await acme_session(client)
    routes = session_routes(sid, upload_id)
    documented = {
        (method, path)
        for path, ops in (await client.get("/api/openapi.json")).json()["paths"].items()
        if path.startswith("/api/sessions/{sessionId}")
        for method in ops
    }
    assert documented == set(routes), "a session route has no cross-tenant check here"

    for (method, path), request in routes.items():
        # Another tenant's integrator (or the agent serving another tenant) learns nothing.
        stranger = (
            {**AGENT, "x-parley-tenant": "globex"} if (method, path) in AGENT_ONLY else GLOBEX
        )
        resp = await client.request(
            method, request["url"], json=request.get("json"), headers=stranger
        )
        assert resp.status_code == 404, (method, path, resp.text)
        assert resp.json()["error"] == "session_not_found", (method, path)
        # The default tenant's bare key is just another tenant.
        if (method, path) not in AGENT_ONLY:
            resp = await client.request(
                method, request["url"], json=request.get("json"), headers=BARE
            )
            assert resp.status_code == 404, (method, path, resp.text)

    # Nothing the strangers sent was written: acme still sees exactly its own data.
    transcript = (await client.get(f"/api/sessions/{sid}/transcript", headers=ACME)).json()
    assert [s["text"] for s in transcript["items"]] == ["Hi"]
    events = (await client.get(f"/api/sessions/{sid}/events", headers=ACME)).json()
    assert [e["id"] for e in events["items"]] == ["ev-1"]
    uploads = (await client.get(f"/api/sessions/{sid}/uploads", headers=ACME)).json()
    assert [u["uploadId"] for u in uploads["items"]] == [upload_id]
    session = await client.get(f"/api/sessions/{sid}", headers=ACME)
    assert session.status_code == 200 and session.json()["status"] == "active"
    assert "tenant" not in session.json()


async def test_lists_show_only_the_callers_tenant(client: httpx.AsyncClient) -> None:
    sid, _ = await acme_session(client)
    globex_room = f"globex-{uuid.uuid4().hex[:8]}"
    globex_sid = f"RM_{uuid.uuid4().hex[:12]}"
    assert (await token(client, GLOBEX, globex_room)).status_code == 200
    await post_event(client, "room_started", globex_sid, globex_room)

    async def listed(headers: dict[str, str]) -> set[str]:
        resp = await client.get("/api/sessions", params={"limit": 1000}, headers=headers)
        assert resp.status_code == 200, resp.text
        return {s["sessionId"] for s in resp.json()["items"]}

    acme, globex, bare = await listed(ACME), await listed(GLOBEX), await listed(BARE)
    assert sid in acme and globex_sid not in acme
    assert globex_sid in globex and sid not in globex
    assert sid not in bare and globex_sid not in bare
    # A room name filter does not widen the view either.
    resp = await client.get("/api/sessions", params={"room": globex_room}, headers=ACME)
    assert resp.json()["items"] == []


async def test_the_agent_writes_into_the_session_of_the_tenant_it_serves(
    client: httpx.AsyncClient,
) -> None:
    # The agent's first write can beat the first webhook: it records the session for the
    # tenant its dispatch named, and the webhook that follows keeps that owner.
    sid = f"RM_{uuid.uuid4().hex[:12]}"
    room = f"globex-{uuid.uuid4().hex[:8]}"
    assert (await token(client, GLOBEX, room)).status_code == 200
    await agent_writes_segment(client, sid, "globex", "user", "hello")
    await post_event(client, "room_started", sid, room)
    assert (await client.get(f"/api/sessions/{sid}/transcript", headers=ACME)).status_code == 404
    mine = await client.get(f"/api/sessions/{sid}/transcript", headers=GLOBEX)
    assert [s["text"] for s in mine.json()["items"]] == ["hello"]
    session = await client.get(f"/api/sessions/{sid}", headers=GLOBEX)
    assert session.status_code == 200 and session.json()["roomName"] == room


async def test_room_names_are_claimed_per_tenant(client: httpx.AsyncClient) -> None:
    room = f"shared-{uuid.uuid4().hex[:8]}"
    assert (await token(client, ACME, room)).status_code == 200
    taken = await token(client, GLOBEX, room)
    assert taken.status_code == 409
    assert taken.json()["error"] == "room_in_use"
    assert (await token(client, BARE, room)).status_code == 409
    # The holder keeps minting tokens for its room.
    again = await token(client, ACME, room)
    assert again.status_code == 200
    claims = VERIFIER.verify(again.json()["participantToken"])
    assert claims.video is not None and claims.video.room == room
    # A room the server picks is claimed too.
    fresh = await client.post("/api/token", json={}, headers=GLOBEX)
    assert fresh.status_code == 200
    assert (await token(client, ACME, fresh.json()["roomName"])).status_code == 409


async def test_the_dispatch_names_the_tenant(client: httpx.AsyncClient) -> None:
    resp = await client.post("/api/token", json={"participantName": "wile"}, headers=ACME)
    claims = VERIFIER.verify(resp.json()["participantToken"])
    assert claims.room_config is not None
    (dispatch,) = claims.room_config.agents
    meta = json.loads(dispatch.metadata)
    assert meta["tenant"] == "acme"
    assert meta["participant"] == "wile"
    bare = await client.post("/api/token", json={}, headers=BARE)
    bare_claims = VERIFIER.verify(bare.json()["participantToken"])
    assert bare_claims.room_config is not None
    assert json.loads(bare_claims.room_config.agents[0].metadata)["tenant"] == "default"


async def test_each_tenant_sets_its_own_profile_and_the_agent_reads_it(
    client: httpx.AsyncClient,
) -> None:
    profile = {
        "persona": "Ada",
        "instructions": "You are {persona}, Acme's support assistant.",
        "greeting": "Hello, this is Ada from Acme.",
        "language": "en-GB",
        "voice": "en-GB-SoniaNeural",
        "llmProviders": ["openai", "local"],
    }
    put = await client.put("/api/tenant/profile", json=profile, headers=ACME)
    assert put.status_code == 200, put.text
    unset = dict.fromkeys(
        ("sttProviders", "ttsProviders", "pipeline", "realtimeProviders", "transferTo")
    )
    assert put.json() == {**profile, **unset}
    assert (await client.get("/api/tenant/profile", headers=ACME)).json() == put.json()
    # Globex set nothing: every field is the default.
    empty = (await client.get("/api/tenant/profile", headers=GLOBEX)).json()
    assert set(empty.values()) == {None}
    # The agent reads the profile its dispatch names; integrators may not use that route.
    for_agent = await client.get("/api/tenants/acme/profile", headers=AGENT)
    assert for_agent.status_code == 200 and for_agent.json() == put.json()
    assert (await client.get("/api/tenants/acme/profile", headers=GLOBEX)).status_code == 403
    assert (await client.get("/api/tenant/profile", headers=AGENT)).status_code == 403
    # A provider that cannot do the job, or a field the API does not know, is refused whole.
    bad = await client.put(
        "/api/tenant/profile", json={"sttProviders": ["azure-openai"]}, headers=ACME
    )
    assert bad.status_code == 422
    bad = await client.put("/api/tenant/profile", json={"prompt": "x"}, headers=ACME)
    assert bad.status_code == 422
    assert (await client.get("/api/tenant/profile", headers=ACME)).json() == put.json()
    # `{}` returns to the defaults.
    reset = await client.put("/api/tenant/profile", json={}, headers=ACME)
    assert set(reset.json().values()) == {None}


async def test_a_lapsed_claim_passes_only_once_livekit_has_no_such_room(
    api_settings: Callable[..., ApiSettings], database_name: str
) -> None:
    svc = await build_services(api_settings(cosmos_database=database_name))
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    live_rooms: set[str] = set()
    livekit_up = True

    async def room_exists(room: str) -> bool:
        if not livekit_up:
            raise ConnectionError("LiveKit is down")
        return room in live_rooms

    claims = RoomClaims(svc.cosmos.sessions, room_exists, timedelta(minutes=15), lambda: now)
    room = f"claimed-{uuid.uuid4().hex[:8]}"
    try:
        await claims.claim(room, "acme")
        live_rooms.add(room)
        now += timedelta(minutes=14)
        with pytest.raises(Conflict):  # acme's tokens may still join
            await claims.claim(room, "globex")
        now += timedelta(minutes=2)
        with pytest.raises(Conflict):  # tokens expired, but the call goes on
            await claims.claim(room, "globex")
        livekit_up = False
        with pytest.raises(Unavailable):  # unsure whether the call goes on: refuse
            await claims.claim(room, "globex")
        livekit_up = True
        live_rooms.clear()
        await claims.claim(room, "globex")  # the call is over: the name is free
        assert await claims.tenant_of(room) == "globex"
        with pytest.raises(Conflict):
            await claims.claim(room, "acme")
    finally:
        await svc.close()
