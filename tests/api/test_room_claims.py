"""What a room claim costs the store, and who wins when two tenants race for one name."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest
from azure.cosmos.aio import ContainerProxy

from functions.core.errors import Conflict
from functions.services import Services, build_services
from functions.settings import ApiSettings
from functions.tokens.room_claims import RoomClaims


class CountingContainer:
    """The real container, counting the operations that reach the store."""

    def __init__(self, container: ContainerProxy) -> None:
        self._container = container
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._container, name)
        if callable(attribute):
            self.calls[name] += 1
        return attribute


@pytest.fixture
async def services(
    api_settings: Callable[..., ApiSettings], database_name: str
) -> AsyncIterator[Services]:
    svc = await build_services(api_settings(cosmos_database=database_name))
    yield svc
    await svc.close()


def claims_on(container: CountingContainer) -> RoomClaims:
    async def no_room(room: str) -> bool:
        return False

    return RoomClaims(container, no_room, timedelta(minutes=15))  # type: ignore[arg-type]


async def test_a_new_name_costs_one_write_and_a_held_one_nothing(services: Services) -> None:
    store = CountingContainer(services.cosmos.sessions)
    claims = claims_on(store)
    room = f"r-{uuid.uuid4().hex[:8]}"
    await claims.claim(room, "acme")
    assert store.calls == Counter(create_item=1)
    for _ in range(5):
        await claims.claim(room, "acme")
    assert store.calls == Counter(create_item=1), "a claim held here needs no round trip"

    # another API instance: the create finds the claim, one read confirms it is acme's
    other_store = CountingContainer(services.cosmos.sessions)
    await claims_on(other_store).claim(room, "acme")
    assert other_store.calls == Counter(create_item=1, read_item=1)

    foreign = CountingContainer(services.cosmos.sessions)
    with pytest.raises(Conflict):
        await claims_on(foreign).claim(room, "globex")
    assert foreign.calls == Counter(create_item=1, read_item=1)


async def test_two_tenants_racing_for_a_name_leave_exactly_one_owner(services: Services) -> None:
    room = f"race-{uuid.uuid4().hex[:8]}"
    contenders = {
        tenant: claims_on(CountingContainer(services.cosmos.sessions))
        for tenant in ("acme", "globex", "initech")
    }
    results = await asyncio.gather(
        *(claims.claim(room, tenant) for tenant, claims in contenders.items()),
        return_exceptions=True,
    )
    winners = [t for t, r in zip(contenders, results, strict=True) if r is None]
    assert len(winners) == 1, results
    assert all(isinstance(r, Conflict) for r in results if r is not None)
    assert await contenders[winners[0]].tenant_of(room) == winners[0]


async def test_concurrent_claims_of_one_name_by_one_tenant_share_one_write(
    services: Services,
) -> None:
    store = CountingContainer(services.cosmos.sessions)
    claims = claims_on(store)
    room = f"herd-{uuid.uuid4().hex[:8]}"
    await asyncio.gather(*(claims.claim(room, "acme") for _ in range(20)))
    assert store.calls == Counter(create_item=1)
    assert await claims.tenant_of(room) == "acme"
