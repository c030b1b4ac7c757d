"""Two tenants on one deployment each hear their own agent persona in a real call.

Real LiveKit server, real API on the emulators, the real agent worker (offline voice):
each tenant sets a profile, a caller joins with that tenant's key and hears the agent
speak, and the call's transcript (readable only by that tenant) holds the tenant's own
greeting, spoken word for word from its profile.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from harness.agent import start_agent
from harness.api import ApiProcess, api_environment
from harness.caller import join, wait_for_quiet
from harness.emulators import Emulators
from harness.livekit import LiveKitServer, start_livekit
from harness.ports import free_port
from harness.processes import ManagedProcess
from harness.waiting import wait_for

pytestmark = pytest.mark.e2e

KEYS = {"acme": "acme-e2e-key-0123456789", "globex": "globex-e2e-key-0123456789"}
PROFILES = {
    "acme": {"persona": "Ada", "greeting": "Hello, this is Ada from Acme support."},
    "globex": {"persona": "Max", "greeting": "Good day, Globex here, Max speaking."},
}


@dataclass
class TenantStack:
    api: ApiProcess
    livekit: LiveKitServer
    agent: ManagedProcess


@pytest.fixture(scope="module")
def tenants(
    emulators: Emulators, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TenantStack]:
    work = tmp_path_factory.mktemp("tenants")
    port = free_port()
    livekit = start_livekit(work, webhook_url=f"http://127.0.0.1:{port}/api/livekit/webhook")
    api = ApiProcess(
        work,
        api_environment(emulators, livekit_url=livekit.ws_url),
        port,
        api_key=",".join(f"{tenant}={key}" for tenant, key in KEYS.items()),
    )
    agent: ManagedProcess | None = None
    try:
        api.start()
        agent = start_agent(work, livekit.ws_url, api.base_url, api.agent_key)
        yield TenantStack(api, livekit, agent)
    finally:
        if agent is not None:
            agent.stop(timeout=30)
        api.stop()
        livekit.stop()


async def greeting_heard(stack: TenantStack, tenant: str) -> tuple[str, list[dict[str, Any]]]:
    """Call as ``tenant``, hear the agent greet, return the session id and its transcript."""
    headers = {"x-api-key": KEYS[tenant]}
    caller = await join(stack.api.base_url, KEYS[tenant])
    try:
        await wait_for(caller.ear.started.is_set, 40, f"{tenant}'s agent to speak")
        await wait_for_quiet(caller.ear, 30)
        session_id = await caller.room.sid
        async with httpx.AsyncClient(base_url=stack.api.base_url, timeout=10) as client:
            transcript: list[dict[str, Any]] = []

            async def greeted() -> bool:
                nonlocal transcript
                url = f"/api/sessions/{session_id}/transcript"
                resp = await client.get(url, headers=headers)
                transcript = resp.json().get("items", []) if resp.status_code == 200 else []
                return any(s["role"] == "assistant" for s in transcript)

            await wait_for(greeted, 20, f"{tenant}'s greeting in the transcript")
    finally:
        await caller.hang_up()
    return session_id, transcript


async def test_each_tenant_hears_its_own_persona(tenants: TenantStack) -> None:
    async with httpx.AsyncClient(base_url=tenants.api.base_url, timeout=10) as client:
        for tenant, profile in PROFILES.items():
            resp = await client.put(
                "/api/tenant/profile", json=profile, headers={"x-api-key": KEYS[tenant]}
            )
            assert resp.status_code == 200, resp.text

    heard = {tenant: await greeting_heard(tenants, tenant) for tenant in PROFILES}

    for tenant, (session_id, transcript) in heard.items():
        first = next(s for s in transcript if s["role"] == "assistant")
        assert first["text"] == PROFILES[tenant]["greeting"], tenants.agent.tail(40)
        other = next(t for t in PROFILES if t != tenant)
        async with httpx.AsyncClient(base_url=tenants.api.base_url, timeout=10) as client:
            # The other tenant cannot even tell the call happened.
            resp = await client.get(
                f"/api/sessions/{session_id}/transcript", headers={"x-api-key": KEYS[other]}
            )
            assert resp.status_code == 404
            mine = await client.get(
                f"/api/sessions/{session_id}", headers={"x-api-key": KEYS[tenant]}
            )
            assert mine.status_code == 200, mine.text
