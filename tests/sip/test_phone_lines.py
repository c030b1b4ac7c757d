"""Whose agent a number rings: tenants stay apart, wrong numbers and sources are refused."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from livekit import api as lkapi

from harness.processes import ManagedProcess
from harness.sip.calls import answered_call, transcript_when
from harness.sip.softphone import PhoneAccount, start_softphone
from harness.sip.stack import PhoneStack
from harness.waiting import wait_for

pytestmark = pytest.mark.e2e

GREETINGS = {
    "acme": "Acme plumbing, this is the night desk.",
    "globex": "Globex travel here, where would you like to go?",
}
NUMBERS = {"acme": "+15550311", "globex": "+15550322"}


@pytest.fixture(scope="module")
async def tenant_numbers(phones: PhoneStack) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=phones.api.base_url, timeout=30) as client:
        for tenant, number in NUMBERS.items():
            headers = phones.key(tenant)
            profile = await client.put(
                "/api/tenant/profile", json={"greeting": GREETINGS[tenant]}, headers=headers
            )
            assert profile.is_success, profile.text
            body = {"number": number, "allowedAddresses": ["127.0.0.1/32"]}
            created = await client.post("/api/numbers", json=body, headers=headers)
            assert created.status_code == 201, created.text
    return NUMBERS


async def test_each_number_rings_its_own_tenants_agent(
    phones: PhoneStack,
    phone_agent: ManagedProcess,
    tenant_numbers: dict[str, str],
    quiet_line: Path,
    work_dir: Path,
    api: httpx.AsyncClient,
) -> None:
    sessions: dict[str, str] = {}
    for tenant, number in tenant_numbers.items():
        caller = f"caller-of-{tenant}"
        phone = await start_softphone(work_dir, caller, quiet_line, PhoneAccount(user=caller))
        try:
            headers = phones.key(tenant)
            sessions[tenant] = await answered_call(
                phone, phones.bridge.uri(number), api, headers, tenant
            )
            items = await transcript_when(api, headers, sessions[tenant], bool, 10)
            assert items[0]["role"] == "assistant"
            assert items[0]["text"] == GREETINGS[tenant], phone_agent.tail()
            await phone.hangup()
        finally:
            await phone.close()
    # each tenant sees its own call and not the other's
    for tenant, other in (("acme", "globex"), ("globex", "acme")):
        headers = phones.key(tenant)
        assert (await api.get(f"/api/sessions/{sessions[tenant]}", headers=headers)).is_success
        foreign = await api.get(f"/api/sessions/{sessions[other]}/transcript", headers=headers)
        assert foreign.status_code == 404


@pytest.mark.parametrize(
    ("number", "host"),
    [("+15559999999", "127.0.0.1"), ("+15550311", "127.0.0.2")],
    ids=["unknown-number", "foreign-source"],
)
async def test_calls_nobody_may_make_are_refused_at_the_sip_layer(
    phones: PhoneStack,
    tenant_numbers: dict[str, str],
    quiet_line: Path,
    work_dir: Path,
    api: httpx.AsyncClient,
    number: str,
    host: str,
) -> None:
    """No trunk matches, so the bridge refuses the INVITE. livekit-server v1.11.0 answers
    "no match" with a silent drop (LiveKit's flood protection), not a 404: the caller's
    phone gives up on its own, and no room, agent or session ever exists."""
    caller = f"stranger-{host.replace('.', '-')}"
    phone = await start_softphone(work_dir, caller, quiet_line, PhoneAccount(caller, host=host))
    try:
        await phone.dial(phones.bridge.uri(number))
        await wait_for(lambda: phones.bridge.refused(caller), timeout=30, what="the refusal")
    finally:
        await phone.close()
    assert not any(e.get("type") == "CALL_ESTABLISHED" for e in phone.events), phone.events
    async with lkapi.LiveKitAPI(
        phones.stack.livekit.http_url, phones.stack.livekit_key, phones.stack.livekit_secret
    ) as client:
        rooms = await client.room.list_rooms(lkapi.ListRoomsRequest())
    assert not [r.name for r in rooms.rooms if f"_{caller}_" in r.name]
    for tenant in ("default", "acme", "globex"):
        listed = (await api.get("/api/sessions", headers=phones.key(tenant))).json()["items"]
        assert not [s for s in listed if f"_{caller}_" in str(s["roomName"])]
