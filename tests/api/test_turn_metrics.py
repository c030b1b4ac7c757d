"""The metrics contract, API side: the agent's `turn_metrics` session events are
validated on the way in and served per session, in turn order, at
`GET /api/sessions/{sessionId}/metrics`; the console is served at /console/."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from functions.app import WEB_DIST, create_app
from functions.settings import ApiSettings
from harness.api import AGENT, AGENT_KEY, INTEGRATOR, INTEGRATOR_KEY, api_environment
from harness.emulators import Emulators


def new_sid() -> str:
    return f"RM_{uuid.uuid4().hex[:12]}"


def turn_event(sid: str, turn: int, **data: Any) -> dict[str, Any]:
    return {
        "id": f"{sid}-{turn:06d}-metrics",
        "type": "turn_metrics",
        "at": f"2026-11-24T08:00:{turn:02d}.000Z",
        "data": {"turnIndex": turn, **data},
    }


async def test_turn_metrics_are_served_in_turn_order(client: httpx.AsyncClient) -> None:
    sid = new_sid()
    url = f"/api/sessions/{sid}/events"
    later = turn_event(sid, 3, e2eLatency=1.25, llmTtft=0.4, ttsTtfb=0.2)
    first = turn_event(
        sid, 1, e2eLatency=0.9, endOfTurnDelay=0.35, sttDelay=0.2, llmTtft=0.3, ttsTtfb=0.15
    )
    joined = {
        "id": "j1",
        "type": "participant_connected",
        "at": "2026-11-24T08:00:00.000Z",
        "data": {"participantIdentity": "alice"},
    }
    posted = await client.post(url, json={"events": [later, joined, first]}, headers=AGENT)
    assert posted.json() == {"accepted": 3}
    await client.post(url, json={"events": [first]}, headers=AGENT)  # a retry replaces itself

    resp = await client.get(f"/api/sessions/{sid}/metrics", headers=INTEGRATOR)
    assert resp.status_code == 200
    items = resp.json()["items"]
    assert [i["turnIndex"] for i in items] == [1, 3]
    assert items[0] == {
        "turnIndex": 1,
        "at": "2026-11-24T08:00:01.000Z",
        "e2eLatency": 0.9,
        "endOfTurnDelay": 0.35,
        "sttDelay": 0.2,
        "llmTtft": 0.3,
        "ttsTtfb": 0.15,
    }
    assert items[1]["sttDelay"] is None and items[1]["e2eLatency"] == 1.25
    # the events route still has everything, the metrics among them
    events = (await client.get(url, headers=INTEGRATOR)).json()["items"]
    assert sorted(e["type"] for e in events) == [
        "participant_connected",
        "turn_metrics",
        "turn_metrics",
    ]


async def test_malformed_turn_metrics_are_refused_and_nothing_is_written(
    client: httpx.AsyncClient,
) -> None:
    sid = new_sid()
    url = f"/api/sessions/{sid}/events"
    good = turn_event(sid, 1, e2eLatency=0.8)
    assert (await client.post(url, json={"events": [good]}, headers=AGENT)).status_code == 200
    later = turn_event(sid, 3, e2eLatency=0.7)
    for bad in (
        turn_event(sid, 2, e2eLatency=-0.1),  # a negative latency
        turn_event(sid, 2, e2eLatency="fast"),  # not a number
        turn_event(sid, 2, v2v=0.5),  # a field the contract does not have
        {**turn_event(sid, 2), "data": {"e2eLatency": 0.5}},  # no turn index
        turn_event(sid, 2, e2eLatency=600.0),  # beyond any real turn
    ):
        resp = await client.post(url, json={"events": [later, bad]}, headers=AGENT)
        assert resp.status_code == 422, bad
        assert resp.json()["error"]
    # the good event of each refused batch was not written either
    stored = (await client.get(f"/api/sessions/{sid}/metrics", headers=INTEGRATOR)).json()
    assert [i["turnIndex"] for i in stored["items"]] == [1]


async def test_metrics_need_an_integrator_key(client: httpx.AsyncClient) -> None:
    url = f"/api/sessions/{new_sid()}/metrics"
    assert (await client.get(url)).status_code == 401
    assert (await client.get(url, headers=AGENT)).status_code == 403
    bad_id = await client.get("/api/sessions/bad%20id/metrics", headers=INTEGRATOR)
    assert bad_id.status_code == 422


async def test_openapi_documents_the_turn_metrics(client: httpx.AsyncClient) -> None:
    doc = (await client.get("/api/openapi.json")).json()
    assert "get" in doc["paths"]["/api/sessions/{sessionId}/metrics"]
    schema = doc["components"]["schemas"]["TurnMetrics"]
    fields = {"turnIndex", "at", "e2eLatency", "endOfTurnDelay", "sttDelay", "llmTtft", "ttsTtfb"}
    assert set(schema["properties"]) == fields
    event = doc["components"]["schemas"]["SessionEvent"]
    assert "turn_metrics" in event["properties"]["data"]["description"]


async def test_the_console_is_served_at_console(client: httpx.AsyncClient) -> None:
    assert (WEB_DIST / "console" / "console.js").is_file(), "run `make web` first"
    page = await client.get("/console/")
    assert page.status_code == 200
    assert 'src="console.js"' in page.text
    script = await client.get("/console/console.js")
    assert script.status_code == 200
    assert "livekit" not in script.text.lower()  # the console does not ship the media SDK


async def test_the_local_developer_reads_sessions_on_loopback_only(
    emulators: Emulators, database_name: str
) -> None:
    # `make up`'s console opens without a key, like the web client; nowhere else does
    env = api_environment(
        emulators,
        database_name,
        PARLEY_API_KEYS=INTEGRATOR_KEY,
        PARLEY_AGENT_KEYS=AGENT_KEY,
        LOOPBACK_DEV_AUTH="true",
    )
    values: dict[str, Any] = {k.lower(): v for k, v in env.items()}
    app = create_app(ApiSettings(**values))
    sid = new_sid()
    url = f"/api/sessions/{sid}/metrics"
    try:
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as agent:
            written = await agent.post(
                f"/api/sessions/{sid}/events",
                json={"events": [turn_event(sid, 1, e2eLatency=0.5)]},
                headers=AGENT,
            )
            assert written.status_code == 200
        for host, expected in (("127.0.0.1", 200), ("203.0.113.7", 401)):
            transport = httpx.ASGITransport(app=app, client=(host, 5000))
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as local:
                resp = await local.get(url)
                assert resp.status_code == expected, host
                if expected == 200:
                    assert [i["turnIndex"] for i in resp.json()["items"]] == [1]
                assert (await local.get("/api/sessions")).status_code == expected, host
                forwarded = await local.get(url, headers={"x-forwarded-for": "198.51.100.1"})
                assert forwarded.status_code == 401  # a proxied request is never "local"
    finally:
        await app.state.services.close()
