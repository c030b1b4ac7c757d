"""Rooms that phone calls create, and which tenant they belong to.

The dispatch rule of a tenant's number gives every caller a room of their own named
``phone_<tenant>_…`` (livekit-sip appends the caller and a random suffix). ``_`` cannot
appear in a tenant name, so the name says unambiguously whose call it is; the token route
refuses the prefix, so no other tenant can claim such a room.
"""

from __future__ import annotations

PHONE_ROOM_PREFIX = "phone_"


def phone_room_prefix(tenant: str) -> str:
    return f"{PHONE_ROOM_PREFIX}{tenant}_"


def is_phone_room(room: str) -> bool:
    return room.startswith(PHONE_ROOM_PREFIX)


def tenant_of_phone_room(room: str) -> str | None:
    """The tenant whose number created ``room``; None for rooms phone calls did not make."""
    if not is_phone_room(room):
        return None
    tenant, sep, _ = room[len(PHONE_ROOM_PREFIX) :].partition("_")
    return tenant if sep and tenant else None
