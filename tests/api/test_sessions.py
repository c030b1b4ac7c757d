"""Session listing and lookup."""

from __future__ import annotations

import time
import uuid

import httpx

from harness.api import AGENT, INTEGRATOR
from harness.webhooks import post_event, room_event


async def test_list_sessions_of_a_room_newest_first_with_paging(client: httpx.AsyncClient) -> None:
    room = f"room-{uuid.uuid4().hex[:6]}"
    t0 = int(time.time()) - 1000
    sids = [f"RM_{uuid.uuid4().hex[:12]}" for _ in range(5)]
    for i, sid in enumerate(sids):
        assert (
            await post_event(client, room_event("room_started", sid, room, t0 + i * 10))
        ).status_code == 200
    await post_event(client, room_event("room_started", "RM_elsewhere1", "another-room", t0 + 999))

    seen: list[str] = []
    continuation: str | None = None
    while True:
        params: dict[str, str | int] = {"room": room, "limit": 2}
        if continuation:
            params["continuation"] = continuation
        resp = await client.get("/api/sessions", params=params, headers=INTEGRATOR)
        assert resp.status_code == 200, resp.text
        seen += [s["sessionId"] for s in resp.json()["items"]]
        continuation = resp.json()["continuation"]
        if not continuation:
            break
    assert seen == sids[::-1]


async def test_unknown_session_is_404_and_auth_is_required(client: httpx.AsyncClient) -> None:
    resp = await client.get("/api/sessions/RM_doesnotexist", headers=INTEGRATOR)
    assert resp.status_code == 404
    assert resp.json() == {"error": "session_not_found", "message": "No such session."}
    assert (await client.get("/api/sessions")).status_code == 401
    assert (await client.get("/api/sessions", headers=AGENT)).status_code == 403
    bad = await client.get("/api/sessions", params={"room": "no spaces"}, headers=INTEGRATOR)
    assert bad.status_code == 422
