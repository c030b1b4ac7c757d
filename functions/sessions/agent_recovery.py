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

RECOVERY_BOUND_S = 60.0
"""How long recovery keeps dispatching: long enough for a killed worker to restart and
register again (a restart takes ~10-20 s), short enough to give up on a dead deployment."""
FIRST_WAIT_S = 5.0
"""How long the first dispatched agent has to join before the next dispatch."""
MAX_WAIT_S = 10.0
BACKOFF = 1.5
POLL_INTERVAL_S = 0.5
"""Pause between looks at the room while waiting for the agent."""


def dispatch_waits(
    bound: float = RECOVERY_BOUND_S, first: float = FIRST_WAIT_S, longest: float = MAX_WAIT_S
) -> list[float]:
    """The wait after each dispatch: growing by ``BACKOFF`` up to ``longest``, summing to
    ``bound``. The server drops a job no worker takes (none registered yet, all busy), so
    recovery dispatches again after each wait."""
    waits: list[float] = []
    wait, left = first, bound
    while left > 0:
        waits.append(min(wait, left))
        left -= waits[-1]
        wait = min(wait * BACKOFF, longest)
    return waits


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
    waits: list[float] | None = None,
) -> bool:
    """Dispatch a restoring agent, again after each of ``waits`` (default
    ``dispatch_waits()``), until one is in the room or the waits are spent.

    True when the room is served (or its user left); False when no agent came. A failed
    call to the server (restarting, say) costs that attempt, not the recovery."""
    body: dict[str, object] = {"sessionId": session_id, "restore": True}
    if tenant is not None:
        body["tenant"] = tenant  # the restoring agent serves the same tenant's profile
    metadata = json.dumps(body, separators=(",", ":"))
    schedule = dispatch_waits() if waits is None else waits
    attempt = 0
    for attempt, wait in enumerate(schedule, start=1):
        try:
            # Ask the server rather than our records: webhooks may still be in flight.
            has_user, has_agent = await _presence(livekit, room)
            if not has_user or has_agent:
                return has_agent
            await livekit.ensure_agent(room, metadata, force=True)
            log.info("dispatched a restoring agent into room %s (attempt %d)", room, attempt)
            if await _wait_for_agent(livekit, room, wait):
                return True
        except Exception:
            log.warning("recovery attempt %d for room %s failed", attempt, room, exc_info=True)
            await asyncio.sleep(wait)
    log.warning(
        "no agent took over room %s within %.0f s (%d dispatches)", room, sum(schedule), attempt
    )
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
