"""The store going away answers 503 with Retry-After, never 500, and an emulator that comes
back empty is provisioned again without restarting the API."""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from functions.app import create_app
from harness.api import INTEGRATOR_KEY
from harness.emulators import Emulators, start_cosmos
from harness.processes import ManagedProcess
from harness.waiting import wait_for
from tests.api.conftest import make_settings

KEY = {"x-api-key": INTEGRATOR_KEY}


@pytest.fixture
def own_cosmos(work_dir: Path) -> Iterator[tuple[ManagedProcess, int]]:
    """A Cosmos emulator of this test's own, so it can be killed and frozen."""
    proc, port = start_cosmos(work_dir)
    yield proc, port
    proc.stop()


@pytest.fixture
async def outage_client(
    emulators: Emulators, own_cosmos: tuple[ManagedProcess, int]
) -> AsyncIterator[httpx.AsyncClient]:
    _, port = own_cosmos
    settings = make_settings(
        emulators,
        cosmos_endpoint=f"https://127.0.0.1:{port}",
        cosmos_database=f"db{uuid.uuid4().hex[:10]}",
        request_timeout_seconds=2.0,
    )
    app = create_app(settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver", timeout=60
    ) as client:
        yield client
    await app.state.services.close()


async def _token(client: httpx.AsyncClient, room: str) -> httpx.Response:
    return await client.post("/api/token", json={"roomName": room}, headers=KEY)


def _is_retry_later(response: httpx.Response) -> bool:
    return (
        response.status_code == 503
        and response.json()["error"] == "store_unavailable"
        and int(response.headers["Retry-After"]) > 0
    )


async def test_a_killed_store_is_503_and_an_empty_one_is_provisioned_again(
    outage_client: httpx.AsyncClient, own_cosmos: tuple[ManagedProcess, int], work_dir: Path
) -> None:
    proc, port = own_cosmos
    assert (await _token(outage_client, "before-outage")).status_code == 200

    proc.kill()
    down = [
        await _token(outage_client, "during-outage"),
        await outage_client.get("/api/sessions", headers=KEY),
    ]
    assert all(_is_retry_later(r) for r in down), [(r.status_code, r.text) for r in down]

    # back on the same port, with nothing in it: no database, no containers
    restarted, _ = start_cosmos(work_dir, port)
    try:
        answers: list[int] = []

        async def token_again() -> bool:
            response = await _token(outage_client, "after-outage")
            answers.append(response.status_code)
            assert response.status_code in (200, 503), response.text
            return response.status_code == 200

        await wait_for(token_again, timeout=30, what="tokens again after the store restarted")
        assert 500 not in answers
        listed = await outage_client.get("/api/sessions", headers=KEY)
        assert listed.status_code == 200 and listed.json()["items"] == []
    finally:
        restarted.stop()


async def test_a_frozen_store_is_503_until_it_thaws(
    outage_client: httpx.AsyncClient, own_cosmos: tuple[ManagedProcess, int]
) -> None:
    proc, _ = own_cosmos
    assert (await _token(outage_client, "warm")).status_code == 200
    pid = proc.pid
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)
    try:
        frozen = await _token(outage_client, "while-frozen")
    finally:
        os.kill(pid, signal.SIGCONT)
    assert _is_retry_later(frozen), (frozen.status_code, frozen.text)
    assert (await _token(outage_client, "thawed")).status_code == 200
