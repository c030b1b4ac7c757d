"""The number API keeps LiveKit's trunks and dispatch rules in step, per tenant."""

from __future__ import annotations

import httpx
import pytest
from livekit import api as lkapi

from harness.sip.stack import PhoneStack

pytestmark = pytest.mark.e2e


async def _livekit_trunks(phones: PhoneStack) -> dict[str, list[str]]:
    """Every inbound trunk on the LiveKit server: its numbers by trunk id."""
    stack = phones.stack
    async with lkapi.LiveKitAPI(
        stack.livekit.http_url, stack.livekit_key, stack.livekit_secret
    ) as client:
        listing = await client.sip.list_inbound_trunk(lkapi.ListSIPInboundTrunkRequest())
    return {t.sip_trunk_id: list(t.numbers) for t in listing.items}


async def test_a_number_is_created_listed_and_deleted_with_its_trunk(
    phones: PhoneStack, api: httpx.AsyncClient
) -> None:
    acme = phones.key("acme")
    body = {"number": "+15550201", "username": "carrier-acme", "password": "a-long-password-1"}
    created = await api.post("/api/numbers", json=body, headers=acme)
    assert created.status_code == 201, created.text
    number = created.json()
    assert number["hasPassword"] is True
    assert "password" not in created.text and "a-long-password-1" not in created.text
    trunks = await _livekit_trunks(phones)
    assert trunks[number["trunkId"]] == ["+15550201"]

    listed = (await api.get("/api/numbers", headers=acme)).json()["items"]
    assert [n for n in listed if n["number"] == "+15550201"] == [number]

    deleted = await api.delete("/api/numbers/+15550201", headers=acme)
    assert deleted.status_code == 200 and deleted.json()["trunkId"] == number["trunkId"]
    assert number["trunkId"] not in await _livekit_trunks(phones)
    listed = (await api.get("/api/numbers", headers=acme)).json()["items"]
    assert "+15550201" not in [n["number"] for n in listed]


async def test_a_number_belongs_to_one_tenant(phones: PhoneStack, api: httpx.AsyncClient) -> None:
    body = {"number": "+15550202", "allowedAddresses": ["192.0.2.0/24"]}
    assert (await api.post("/api/numbers", json=body, headers=phones.key("acme"))).is_success
    globex = phones.key("globex")
    taken = await api.post("/api/numbers", json=body, headers=globex)
    assert taken.status_code == 409 and taken.json()["error"] == "number_taken"
    listed = (await api.get("/api/numbers", headers=globex)).json()["items"]
    assert "+15550202" not in [n["number"] for n in listed]
    refused = await api.delete("/api/numbers/+15550202", headers=globex)
    assert refused.status_code == 404
    assert (await api.delete("/api/numbers/+15550202", headers=phones.key("acme"))).is_success


@pytest.mark.parametrize(
    "body",
    [
        {"number": "555-0100", "allowedAddresses": ["127.0.0.1"]},
        {"number": "+15550203"},
        {"number": "+15550203", "allowedAddresses": ["not-an-address"]},
        {"number": "+15550203", "username": "only-a-user"},
        {"number": "+15550203", "username": "u", "password": "short"},
    ],
)
async def test_bad_numbers_and_unguarded_trunks_are_refused(
    phones: PhoneStack, api: httpx.AsyncClient, body: dict[str, object]
) -> None:
    resp = await api.post("/api/numbers", json=body, headers=phones.key("acme"))
    assert resp.status_code == 422, resp.text
    assert "+15550203" not in str(await _livekit_trunks(phones))


async def test_phone_rooms_cannot_be_claimed_with_a_token(
    phones: PhoneStack, api: httpx.AsyncClient
) -> None:
    resp = await api.post(
        "/api/token", json={"roomName": "phone_acme__x_y"}, headers=phones.key("globex")
    )
    assert resp.status_code == 422 and resp.json()["error"] == "room_name_reserved"
