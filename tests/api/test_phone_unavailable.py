"""The number API when LiveKit's SIP service cannot serve: a 503 to retry, never a 500.

A LiveKit server without Redis answers every SIP call "sip not connected" (what a deployment
without SIP, or a server mid-restart, looks like); a server that is down refuses the
connection. Both must reach the integrator as `sip_unavailable`, with nothing created.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from harness.api import INTEGRATOR_KEY
from harness.livekit import LiveKitServer, start_livekit
from harness.ports import free_port

KEY = {"x-api-key": INTEGRATOR_KEY}
NUMBER = {"number": "+15550142", "allowedAddresses": ["203.0.113.0/24"]}


@pytest.fixture(scope="module")
def livekit_without_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveKitServer]:
    server = start_livekit(Path(tmp_path_factory.mktemp("livekit")))
    try:
        yield server
    finally:
        server.stop()


async def _assert_unavailable(client: httpx.AsyncClient) -> None:
    listed = await client.get("/api/numbers", headers=KEY)
    created = await client.post("/api/numbers", json=NUMBER, headers=KEY)
    deleted = await client.delete("/api/numbers/%2B15550142", headers=KEY)
    for resp in (listed, created, deleted):
        assert resp.status_code == 503, resp.text
        assert resp.json()["error"] == "sip_unavailable"


async def test_a_server_without_sip_answers_503(
    make_client: Callable[..., httpx.AsyncClient], livekit_without_redis: LiveKitServer
) -> None:
    await _assert_unavailable(make_client(livekit_url=livekit_without_redis.ws_url))


async def test_a_server_that_is_down_answers_503(
    make_client: Callable[..., httpx.AsyncClient],
) -> None:
    await _assert_unavailable(make_client(livekit_url=f"ws://127.0.0.1:{free_port()}"))
