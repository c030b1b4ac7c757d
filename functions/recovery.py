"""Agent recovery: a self-hosted LiveKit server does not re-dispatch a job whose worker
died, so when an agent leaves a room that still has its user, Parley dispatches a new
agent that restores the conversation from the session's snapshot."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from livekit import api
from livekit.protocol.webhook import WebhookEvent

if TYPE_CHECKING:
    from functions.services import Services

log = logging.getLogger(__name__)


async def recover_agent_if_needed(svc: Services, event: WebhookEvent, session_id: str) -> None:
    if event.participant.kind != api.ParticipantInfo.Kind.AGENT:
        return
    room = event.room.name
    try:
        # Ask the server rather than our records: webhooks may still be in flight.
        kinds = await svc.livekit.participant_kinds(room)
        has_user = any(k == api.ParticipantInfo.Kind.STANDARD for k in kinds)
        has_agent = any(k == api.ParticipantInfo.Kind.AGENT for k in kinds)
        if not has_user or has_agent:
            return
        metadata = json.dumps({"sessionId": session_id, "restore": True}, separators=(",", ":"))
        await svc.livekit.ensure_agent(room, metadata, force=True)
        log.info("re-dispatched the agent into room %s (session %s)", room, session_id)
    except Exception:
        log.warning("agent recovery for room %s failed", room, exc_info=True)
