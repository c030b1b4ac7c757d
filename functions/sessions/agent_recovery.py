"""Agent recovery: a self-hosted LiveKit server does not re-dispatch a job whose worker
died, so when an agent leaves a room that still has its user, Parley dispatches a new
agent that restores the conversation from the session's snapshot.

The agent workers make a dead agent leave within about two seconds (their Redis lease
watchdog removes it from the room); this module reacts to that ``participant_left``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import TYPE_CHECKING, Protocol

from livekit import api
from livekit.protocol.webhook import WebhookEvent

if TYPE_CHECKING:
    from functions.services import Services

log = logging.getLogger(__name__)

DISPATCH_ATTEMPTS = 3
"""Dispatches per recovery: the server drops a job no worker takes (all busy or scaling)."""
JOIN_TIMEOUT_S = 10.0
"""How long a dispatched agent has to join before the next attempt."""
POLL_INTERVAL_S = 0.5
"""Pause between looks at the room while waiting for the agent."""


class Room(Protocol):
    """What recovery needs from the LiveKit server."""

    async def participant_kinds(self, room: str) -> list[int]: ...

    async def ensure_agent(self, room: str, metadata: str, *, force: bool = False) -> bool: ...


async def recover_agent_if_needed(
    svc: Services, event: WebhookEvent, session_id: str, tenant: str
) -> None:
    """React to ``participant_left``: only an agent leaving a room with a user matters."""
    if event.participant.kind != api.ParticipantInfo.Kind.AGENT:
        return
    try:
        await recover(svc.livekit, event.room.name, session_id, tenant=tenant)
    except Exception:
        log.warning("agent recovery for room %s failed", event.room.name, exc_info=True)


async def recover(
    livekit: Room,
    room: str,
    session_id: str,
    *,
    tenant: str | None = None,
    attempts: int = DISPATCH_ATTEMPTS,
    join_timeout: float = JOIN_TIMEOUT_S,
) -> bool:
    """Dispatch a restoring agent until one is in the room, with bounded attempts.

    True when the room is served (or its user left); False when no agent came."""
    body: dict[str, object] = {"sessionId": session_id, "restore": True}
    if tenant is not None:
        body["tenant"] = tenant  # the restoring agent serves the same tenant's profile
    metadata = json.dumps(body, separators=(",", ":"))
    for attempt in range(1, attempts + 1):
        # Ask the server rather than our records: webhooks may still be in flight.
        has_user, has_agent = await _presence(livekit, room)
        if not has_user or has_agent:
            return has_agent
        await livekit.ensure_agent(room, metadata, force=True)
        log.info("dispatched a restoring agent into room %s (attempt %d)", room, attempt)
        if await _wait_for_agent(livekit, room, join_timeout):
            return True
    log.warning("no agent took over room %s after %d dispatches", room, attempts)
    return False


async def _presence(livekit: Room, room: str) -> tuple[bool, bool]:
    kinds = await livekit.participant_kinds(room)
    # a phone caller (livekit-sip's participant) is a user as much as a browser is
    users = (api.ParticipantInfo.Kind.STANDARD, api.ParticipantInfo.Kind.SIP)
    has_user = any(k in users for k in kinds)
    has_agent = any(k == api.ParticipantInfo.Kind.AGENT for k in kinds)
    return has_user, has_agent


async def _wait_for_agent(livekit: Room, room: str, timeout: float) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        has_user, has_agent = await _presence(livekit, room)
        if has_agent or not has_user:
            return True  # served, or nobody left to serve
        await asyncio.sleep(POLL_INTERVAL_S)
    return False
