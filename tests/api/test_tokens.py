"""POST /api/token: authentication, least-privilege grants, validation, rate limiting."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable

import httpx
from livekit import api

from harness.api import AGENT, INTEGRATOR
from harness.livekit import DEV_LIVEKIT_KEY, DEV_LIVEKIT_SECRET

VERIFIER = api.TokenVerifier(DEV_LIVEKIT_KEY, DEV_LIVEKIT_SECRET)


def principal(user_id: str, name: str) -> str:
    claims = {
        "auth_typ": "aad",
        "claims": [
            {
                "typ": "http://schemas.microsoft.com/identity/claims/objectidentifier",
                "val": user_id,
            },
            {"typ": "name", "val": name},
        ],
    }
    return base64.b64encode(json.dumps(claims).encode()).decode()


async def test_integrator_gets_token_with_exactly_the_least_privilege_grants(
    client: httpx.AsyncClient,
) -> None:
    resp = await client.post(
        "/api/token",
        json={"participantName": "alice", "metadata": {"locale": "en-US"}},
        headers=INTEGRATOR,
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["participantName"] == "alice"
    assert body["serverUrl"].startswith("ws")
    claims = VERIFIER.verify(body["participantToken"])
    assert claims.identity == "alice"
    video = claims.video
    assert video is not None
    assert video.room == body["roomName"]
    assert video.room_join and video.can_publish and video.can_subscribe and video.can_publish_data
    for forbidden in ("room_admin", "room_create", "room_list", "room_record", "recorder"):
        assert not getattr(video, forbidden), forbidden
    # Default lifetime: 15 minutes.
    raw = json.loads(base64.urlsafe_b64decode(body["participantToken"].split(".")[1] + "=="))
    assert 895 <= raw["exp"] - int(time.time()) <= 905
    # The agent is dispatched by name with metadata naming the participant.
    dispatches = list(claims.room_config.agents) if claims.room_config else []
    assert [d.agent_name for d in dispatches] == ["parley-agent"]
    meta = json.loads(dispatches[0].metadata)
    assert meta["participant"] == "alice"
    assert meta["metadata"] == {"locale": "en-US"}


async def test_generated_room_and_identity_are_fresh(client: httpx.AsyncClient) -> None:
    first = (await client.post("/api/token", json={}, headers=INTEGRATOR)).json()
    second = (await client.post("/api/token", json={}, headers=INTEGRATOR)).json()
    assert first["roomName"] != second["roomName"]
    assert first["participantName"] != second["participantName"]


async def test_token_requires_an_integrator_credential(client: httpx.AsyncClient) -> None:
    no_key = await client.post("/api/token", json={})
    assert no_key.status_code == 401
    assert no_key.json()["error"] == "unauthorized"
    wrong = await client.post("/api/token", json={}, headers={"x-api-key": "nope"})
    assert wrong.status_code == 401
    agent = await client.post("/api/token", json={}, headers=AGENT)
    assert agent.status_code == 403
    assert agent.json()["error"] == "forbidden"


async def test_names_are_validated(client: httpx.AsyncClient) -> None:
    for bad in ("", "../etc", "a b", "x" * 200, "naïve", "-lead", "room\n"):
        resp = await client.post("/api/token", json={"roomName": bad}, headers=INTEGRATOR)
        assert resp.status_code == 422, bad
        assert resp.json()["error"] == "invalid_request"
        resp = await client.post("/api/token", json={"participantName": bad}, headers=INTEGRATOR)
        assert resp.status_code == 422, bad
    unknown = await client.post("/api/token", json={"roomAdmin": True}, headers=INTEGRATOR)
    assert unknown.status_code == 422
    big = await client.post(
        "/api/token", json={"metadata": {"blob": "x" * 5000}}, headers=INTEGRATOR
    )
    assert big.status_code == 422
    assert big.json()["error"] == "metadata_too_large"


async def test_easy_auth_principal_sets_the_identity_only_when_enabled(
    make_client: Callable[..., httpx.AsyncClient], database_name: str
) -> None:
    header = {"x-ms-client-principal": principal("4f1c-user", "Ada Lovelace")}
    disabled = make_client(cosmos_database=database_name)
    assert (await disabled.post("/api/token", json={}, headers=header)).status_code == 401

    enabled = make_client(cosmos_database=database_name, easy_auth_enabled=True)
    resp = await enabled.post("/api/token", json={"participantName": "mallory"}, headers=header)
    assert resp.status_code == 200, resp.text
    claims = VERIFIER.verify(resp.json()["participantToken"])
    # The identity comes from the principal, never from the body.
    assert claims.identity == "4f1c-user"
    assert claims.name == "Ada Lovelace"
    garbage = await enabled.post(
        "/api/token", json={}, headers={"x-ms-client-principal": "%%%not-base64"}
    )
    assert garbage.status_code == 401


async def test_loopback_dev_auth_only_from_loopback(
    make_client: Callable[..., httpx.AsyncClient], database_name: str
) -> None:
    # The test client connects from 203.0.113.7, which is not loopback.
    remote = make_client(cosmos_database=database_name, loopback_dev_auth=True)
    assert (await remote.post("/api/token", json={})).status_code == 401


async def test_rate_limit_answers_429_with_retry_after(
    make_client: Callable[..., httpx.AsyncClient], database_name: str
) -> None:
    limited = make_client(cosmos_database=database_name, token_rate_limit_per_minute=3)
    body = {"participantName": "bob"}
    codes = [
        (await limited.post("/api/token", json=body, headers=INTEGRATOR)).status_code
        for _ in range(3)
    ]
    assert codes == [200, 200, 200]
    resp = await limited.post("/api/token", json=body, headers=INTEGRATOR)
    assert resp.status_code == 429
    assert resp.json()["error"] == "rate_limited"
    assert 1 <= int(resp.headers["retry-after"]) <= 60
    # Another identity is not affected.
    other = await limited.post("/api/token", json={"participantName": "carol"}, headers=INTEGRATOR)
    assert other.status_code == 200
