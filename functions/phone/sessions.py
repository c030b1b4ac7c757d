"""A session seen as a phone call: its channel, numbers and outcome."""

from __future__ import annotations

from typing import Any, Literal

from functions.models import PhoneDetails
from functions.phone.rooms import is_phone_room
from functions.sessions.store import SessionStore

EVENTS_READ = 500


def channel_of(doc: dict[str, Any]) -> Literal["web", "phone"]:
    """``phone`` when a number's dispatch rule made the room or a SIP participant joined."""
    if is_phone_room(str(doc.get("roomName") or "")):
        return "phone"
    participants = doc.get("participants") or []
    return "phone" if any(p.get("kind") == "sip" for p in participants) else "web"


async def phone_details(store: SessionStore, session_id: str) -> PhoneDetails:
    """The numbers (``phone_call`` event) and the outcome (``call_ended``) of a call."""
    details = PhoneDetails()
    for event in await store.list_events(session_id, EVENTS_READ):
        data = event.get("data") or {}
        if event.get("type") == "phone_call":
            details.callerNumber = data.get("callerNumber")
            details.dialledNumber = data.get("dialledNumber")
        elif event.get("type") == "call_ended" and details.outcome is None:
            details.outcome = data.get("outcome")
    return details
