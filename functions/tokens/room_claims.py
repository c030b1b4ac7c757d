"""Room names are claimed per tenant: one tenant's users can never join another's call.

A LiveKit room is found by name, so a token for a name another tenant is using would put
a stranger into that call. Minting a token claims the name for the caller's tenant until
the token could no longer be used (its TTL); another tenant may take the name over only
after that AND once the LiveKit server holds no room of that name.

Claims live in the ``sessions`` container under the partition ``room:<name>``, a value no
session id can take (session ids have no colon), so no extra container is needed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from azure.core import MatchConditions
from azure.cosmos import exceptions
from azure.cosmos.aio import ContainerProxy

from functions.core.cosmos_ops import Document, public, read_one
from functions.core.errors import Conflict, Unavailable
from functions.core.timeutil import iso_from_epoch

CLAIM_ID = "claim"
MAX_CLAIM_ATTEMPTS = 3
"""Conditional writes one claim may take: each lost race means another writer just won."""
HELD_CACHE_SIZE = 10_000
"""Claims this instance remembers holding; a full cache is simply emptied."""


def claim_partition(room: str) -> str:
    return f"room:{room}"


def room_in_use() -> Conflict:
    return Conflict("room_in_use", "This room name is in use by someone else; choose another.")


@dataclass(frozen=True)
class _Held:
    tenant: str
    until: datetime


class RoomClaims:
    """Room-name claims, each costing at most one conditional write in the common cases:
    a fresh name is one create; a name this instance claimed recently costs nothing; a
    name someone else holds is one read. Never a read-then-write loop on the hot path."""

    def __init__(
        self,
        container: ContainerProxy,
        room_exists: Callable[[str], Awaitable[bool]],
        hold: timedelta,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._container = container
        self._room_exists = room_exists
        self._hold = hold
        self._clock = clock
        # What this instance wrote or read: the store's claim cannot change hands before
        # ``until``, so a claim held here for the same tenant needs no round trip.
        self._held: dict[str, _Held] = {}
        self._in_flight: dict[tuple[str, str], asyncio.Future[None]] = {}

    async def tenant_of(self, room: str) -> str | None:
        """The tenant that claimed ``room`` last, or None when nobody did."""
        doc = await read_one(self._container, CLAIM_ID, claim_partition(room))
        return str(doc["tenant"]) if doc is not None else None

    async def claim(self, room: str, tenant: str) -> None:
        """Hold ``room`` for ``tenant``; raise Conflict while another tenant holds it."""
        now = self._clock()
        held = self._held.get(room)
        # A claim still good for half its hold is not rewritten.
        if held is not None and held.tenant == tenant and held.until >= now + self._hold / 2:
            return
        # Concurrent claims of one name by one tenant share a single round trip.
        key = (room, tenant)
        pending = self._in_flight.get(key)
        if pending is None:
            pending = asyncio.ensure_future(self._claim(room, tenant, now))
            self._in_flight[key] = pending
            pending.add_done_callback(lambda _: self._in_flight.pop(key, None))
        await asyncio.shield(pending)

    async def _claim(self, room: str, tenant: str, now: datetime) -> None:
        for _ in range(MAX_CLAIM_ATTEMPTS):
            if await self._try_claim(room, tenant, now):
                return
        raise Unavailable("claim_contended", "This room name is being claimed; retry shortly.")

    async def _try_claim(self, room: str, tenant: str, now: datetime) -> bool:
        """One conditional write (a read first only when the name is already claimed).
        False when another writer won the race and the caller should look again."""
        until = now + self._hold
        doc: Document = {
            "id": CLAIM_ID,
            "sessionId": claim_partition(room),
            "kind": "roomClaim",
            "roomName": room,
            "tenant": tenant,
            "until": _iso(until),
        }
        try:
            await self._container.create_item(doc)
        except exceptions.CosmosResourceExistsError:
            pass
        else:
            self._remember(room, tenant, until)
            return True
        current = await self._read_existing(room)
        if current is None:
            return False  # released between the create and the read
        if current["tenant"] == tenant:
            if current["until"] >= _iso(now + self._hold / 2):
                self._remember(room, tenant, datetime.fromisoformat(current["until"]))
                return True
        elif current["until"] > _iso(now) or await self._still_live(room):
            raise room_in_use()
        try:
            await self._container.replace_item(
                item=CLAIM_ID,
                body=public({**current, "tenant": tenant, "until": _iso(until)}),
                etag=current["_etag"],
                match_condition=MatchConditions.IfNotModified,
            )
        except exceptions.CosmosHttpResponseError as exc:
            if exc.status_code in (404, 409, 412):
                return False  # someone else wrote first: look again
            raise
        self._remember(room, tenant, until)
        return True

    async def _read_existing(self, room: str) -> Document | None:
        """A point read of a claim the create just found (one key lookup, where a query
        scans); None if it went away meanwhile (404; the local emulator answers 500)."""
        try:
            item = await self._container.read_item(CLAIM_ID, partition_key=claim_partition(room))
        except exceptions.CosmosHttpResponseError as exc:
            if exc.status_code in (404, 500):
                return None
            raise
        return dict(item)

    def _remember(self, room: str, tenant: str, until: datetime) -> None:
        if len(self._held) >= HELD_CACHE_SIZE:
            self._held.clear()
        self._held[room] = _Held(tenant, until)

    async def _still_live(self, room: str) -> bool:
        try:
            return await self._room_exists(room)
        except Exception:
            # Handing a possibly live call to another tenant is worse than a retry later.
            raise Unavailable(
                "livekit_unavailable", "Cannot check whether the room is free; retry shortly."
            ) from None


def _iso(moment: datetime) -> str:
    return iso_from_epoch(moment.timestamp())
