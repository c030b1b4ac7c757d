"""Transcripts: agent-only writes, idempotent by segment id, paged reads in turn order."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from harness.api import AGENT, INTEGRATOR


def segment(sid: str, turn: int, role: str = "user", text: str | None = None) -> dict[str, Any]:
    return {
        "id": f"{sid}-{turn:06d}-{role}",
        "role": role,
        "turnIndex": turn,
        "text": text or f"turn {turn}",
    }


def new_sid() -> str:
    return f"RM_{uuid.uuid4().hex[:12]}"


async def read_all(client: httpx.AsyncClient, sid: str, limit: int) -> tuple[list[Any], int]:
    items: list[Any] = []
    pages = 0
    continuation: str | None = None
    while True:
        params: dict[str, Any] = {"limit": limit}
        if continuation:
            params["continuation"] = continuation
        resp = await client.get(
            f"/api/sessions/{sid}/transcript", params=params, headers=INTEGRATOR
        )
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert "continuation" in body
        items.extend(body["items"])
        pages += 1
        continuation = body["continuation"]
        if not continuation:
            return items, pages


async def test_segments_are_idempotent_and_read_in_turn_order(client: httpx.AsyncClient) -> None:
    sid = new_sid()
    turns = [segment(sid, i, "user" if i % 2 == 0 else "assistant") for i in range(25)]
    # Sent out of order, in two overlapping batches: the overlap is a retry.
    first = await client.post(
        f"/api/sessions/{sid}/transcript", json={"segments": turns[10:][::-1]}, headers=AGENT
    )
    second = await client.post(
        f"/api/sessions/{sid}/transcript", json={"segments": turns[:15]}, headers=AGENT
    )
    assert first.status_code == 200 and first.json() == {"accepted": 15}
    assert second.status_code == 200 and second.json() == {"accepted": 15}

    items, pages = await read_all(client, sid, limit=7)
    assert [i["turnIndex"] for i in items] == list(range(25))
    assert pages == 4
    assert items[3] == turns[3]


async def test_retry_with_changed_text_overwrites_not_duplicates(client: httpx.AsyncClient) -> None:
    sid = new_sid()
    url = f"/api/sessions/{sid}/transcript"
    await client.post(url, json={"segments": [segment(sid, 0, text="helo")]}, headers=AGENT)
    await client.post(url, json={"segments": [segment(sid, 0, text="hello")]}, headers=AGENT)
    items, _ = await read_all(client, sid, limit=10)
    assert [i["text"] for i in items] == ["hello"]


async def test_only_the_agent_credential_may_write(client: httpx.AsyncClient) -> None:
    sid = new_sid()
    body = {"segments": [segment(sid, 0)]}
    url = f"/api/sessions/{sid}/transcript"
    assert (await client.post(url, json=body, headers=INTEGRATOR)).status_code == 403
    assert (await client.post(url, json=body)).status_code == 401
    assert (await client.get(url, headers=AGENT)).status_code == 403
    items, _ = await read_all(client, sid, limit=10)
    assert items == []


async def test_bad_segments_are_rejected_whole(client: httpx.AsyncClient) -> None:
    sid = new_sid()
    url = f"/api/sessions/{sid}/transcript"
    other = new_sid()
    cases = [
        {"segments": []},
        {"segments": [segment(sid, i) for i in range(101)]},
        {"segments": [segment(sid, 0), {**segment(sid, 1), "role": "system"}]},
        {"segments": [segment(sid, 0), segment(other, 1)]},  # another session's id
        {"segments": [{**segment(sid, 2), "id": f"{sid}-000003-user"}]},  # id/turn mismatch
        {"segments": [{**segment(sid, 0), "text": "x" * 20_001}]},
        {"segments": [{**segment(sid, 0), "extra": 1}]},
    ]
    for body in cases:
        resp = await client.post(url, json=body, headers=AGENT)
        assert resp.status_code == 422, body
        assert resp.json()["error"] in {"invalid_request", "invalid_segment_id"}
    # Nothing of a rejected batch was written, not even its valid first segment.
    items, _ = await read_all(client, sid, limit=10)
    assert items == []
    bad_path = await client.get("/api/sessions/..%2F..%2Fetc/transcript", headers=INTEGRATOR)
    assert bad_path.status_code in (404, 422)
    bad_limit = await client.get(f"{url}?limit=0", headers=INTEGRATOR)
    assert bad_limit.status_code == 422


async def test_session_events_from_the_agent(client: httpx.AsyncClient) -> None:
    sid = new_sid()
    events = [
        {
            "id": f"e{i}",
            "type": "participant_connected",
            "at": f"2026-11-24T08:00:0{i}.000Z",
            "data": {"identity": f"u{i}"},
        }
        for i in range(3)
    ]
    url = f"/api/sessions/{sid}/events"
    assert (await client.post(url, json={"events": events[::-1]}, headers=AGENT)).json() == {
        "accepted": 3
    }
    await client.post(url, json={"events": events[:1]}, headers=AGENT)  # a retry
    assert (await client.post(url, json={"events": events}, headers=INTEGRATOR)).status_code == 403
    got = (await client.get(url, headers=INTEGRATOR)).json()["items"]
    assert [e["id"] for e in got] == ["e0", "e1", "e2"]
    assert got[1]["data"] == {"identity": "u1"}
