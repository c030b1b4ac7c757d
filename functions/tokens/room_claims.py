"""Room names are claimed per tenant: one tenant's users can never join another's call.

A LiveKit room is found by name, so a token for a name another tenant is using would put
a stranger into that call. Minting a token claims the name for the caller's tenant until
the token could no longer be used (its TTL); another tenant may take the name over only
after that AND once the LiveKit server holds no room of that name.

Claims live in the ``sessions`` container under the partition ``room:<name>``, a value no
session id can take (session ids have no colon), so no extra container is needed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from azure.cosmos.aio import ContainerProxy

from functions.core.cosmos_ops import Document, read_one, update_with_retry
from functions.core.errors import Conflict, Unavailable
from functions.core.timeutil import iso_from_epoch

CLAIM_ID = "claim"


def claim_partition(room: str) -> str:
    return f"room:{room}"


def room_in_use() -> Conflict:
    return Conflict("room_in_use", "This room name is in use by someone else; choose another.")


class RoomClaims:
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

    async def tenant_of(self, room: str) -> str | None:
        """The tenant that claimed ``room`` last, or None when nobody did."""
        doc = await read_one(self._container, CLAIM_ID, claim_partition(room))
        return str(doc["tenant"]) if doc is not None else None

    async def claim(self, room: str, tenant: str) -> None:
        """Hold ``room`` for ``tenant``; raise Conflict while another tenant holds it."""
        now = self._clock()
        current = await read_one(self._container, CLAIM_ID, claim_partition(room))
        lapsed_foreign = (
            current is not None and current["tenant"] != tenant and current["until"] <= _iso(now)
        )
        if lapsed_foreign and await self._still_live(room):
            raise room_in_use()
        until = _iso(now + self._hold)
        # A claim still good for half its hold is not rewritten: most tokens cost no write.
        fresh_enough = _iso(now + self._hold / 2)

        def mutate(doc: Document) -> bool:
            if doc["tenant"] != tenant:
                # Checked against the LiveKit server above; a fresh claim still wins.
                if doc["until"] > _iso(now) or not lapsed_foreign:
                    raise room_in_use()
                doc["tenant"] = tenant
            elif doc["until"] >= fresh_enough:
                return False
            doc["until"] = until
            return True

        await update_with_retry(
            self._container,
            CLAIM_ID,
            claim_partition(room),
            create=lambda: {
                "id": CLAIM_ID,
                "sessionId": claim_partition(room),
                "kind": "roomClaim",
                "roomName": room,
                "tenant": tenant,
                "until": "",
            },
            mutate=mutate,
        )

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
