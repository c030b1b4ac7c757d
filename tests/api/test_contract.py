"""Health, the OpenAPI document and the error shape."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from harness.api import AGENT, INTEGRATOR

ROUTES = {
    ("get", "/api/health"),
    ("post", "/api/token"),
    ("post", "/api/livekit/webhook"),
    ("get", "/api/sessions"),
    ("get", "/api/sessions/{sessionId}"),
    ("get", "/api/sessions/{sessionId}/transcript"),
    ("post", "/api/sessions/{sessionId}/transcript"),
    ("post", "/api/sessions/{sessionId}/events"),
    ("get", "/api/sessions/{sessionId}/events"),
    ("post", "/api/sessions/{sessionId}/uploads"),
    ("get", "/api/sessions/{sessionId}/uploads"),
    ("post", "/api/sessions/{sessionId}/uploads/{uploadId}/complete"),
    ("get", "/api/sessions/{sessionId}/uploads/{uploadId}"),
    ("get", "/api/metrics/agents"),
}


async def test_health_reports_each_dependency(client: httpx.AsyncClient) -> None:
    resp = await client.get("/api/health")
    body = resp.json()
    assert body["dependencies"]["cosmos"]["status"] == "ok"
    assert body["dependencies"]["blob"]["status"] == "ok"
    # No LiveKit server runs in this test: the API says so instead of pretending.
    assert body["dependencies"]["livekit"]["status"] == "error"
    assert resp.status_code == 503 and body["status"] == "degraded"


async def test_health_reports_a_dead_database(
    make_client: Callable[..., httpx.AsyncClient],
) -> None:
    dead = make_client(cosmos_endpoint="https://127.0.0.1:9", request_timeout_seconds=1)
    resp = await dead.get("/api/health")
    assert resp.status_code == 503
    assert resp.json()["status"] == "degraded"
    assert "secret" not in resp.text.lower() and "key" not in resp.text.lower()


async def test_openapi_documents_every_route_with_schemas(client: httpx.AsyncClient) -> None:
    doc = (await client.get("/api/openapi.json")).json()
    assert doc["openapi"].startswith("3.")
    found = {(m, p) for p, ops in doc["paths"].items() for m in ops}
    assert ROUTES <= found
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert op.get("summary") or op.get("description"), (method, path)
            ok = op["responses"].get("200") or op["responses"].get("201")
            assert ok and ok.get("content"), (method, path)
    schemas = doc["components"]["schemas"]
    assert {"ErrorBody", "TokenRequest", "TokenResponse", "Segment", "Upload", "Session"} <= set(
        schemas
    )
    assert schemas["TokenRequest"]["properties"]["roomName"]["anyOf"][0].get("examples") or (
        schemas["TokenRequest"]["properties"]["roomName"].get("examples")
    )
    assert (await client.get("/api/docs")).status_code == 200


async def test_every_error_is_json_with_a_stable_code(client: httpx.AsyncClient) -> None:
    responses = [
        await client.get("/api/nope"),
        await client.delete("/api/token"),
        await client.post("/api/token", content=b"{not json", headers=INTEGRATOR),
        await client.post("/api/token", json=[], headers=INTEGRATOR),
        await client.get("/api/sessions/RM_x/transcript?limit=abc", headers=INTEGRATOR),
    ]
    for resp in responses:
        assert 400 <= resp.status_code < 500, resp.text
        body = resp.json()
        assert set(body) == {"error", "message"}
        assert body["error"].replace("_", "").isalpha()


async def test_agent_metrics_say_when_livekit_is_unreachable(client: httpx.AsyncClient) -> None:
    # no LiveKit server runs in these tests: a scaler must see an error, not zero calls
    resp = await client.get("/api/metrics/agents", headers=AGENT)
    assert resp.status_code == 503 and resp.json()["error"] == "livekit_unavailable"
    assert (await client.get("/api/metrics/agents")).status_code == 401
