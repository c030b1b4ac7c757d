"""`POST /api/livekit/webhook`: verified LiveKit events folded into session lifecycles."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from livekit.protocol.webhook import WebhookEvent
from pydantic import BaseModel

from functions.phone.rooms import tenant_of_phone_room
from functions.routes.deps import ServicesDep
from functions.routes.errors import ApiError, ErrorBody
from functions.sessions.agent_recovery import recover_agent_if_needed
from functions.sessions.webhook_fold import session_id_of
from functions.settings import DEFAULT_TENANT
from functions.tokens.room_names import ReservedRoomName

log = logging.getLogger(__name__)
router = APIRouter(tags=["webhooks"])
MAX_WEBHOOK_BYTES = 1024 * 1024


class WebhookAck(BaseModel):
    status: str
    event: str
    sessionId: str | None = None


@router.post(
    "/livekit/webhook",
    response_model=WebhookAck,
    summary="Receive a LiveKit server webhook",
    responses={401: {"model": ErrorBody, "description": "Bad signature or body hash."}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/webhook+json": {"schema": {"type": "object"}}},
        }
    },
)
async def receive_webhook(request: Request, svc: ServicesDep) -> WebhookAck:
    """The `Authorization` header must hold a JWT signed with the LiveKit API secret whose
    `sha256` claim matches the raw body. Anything else is 401 and nothing is written.
    Re-delivered events (same id) change nothing; events may arrive in any order."""
    raw = await request.body()
    if len(raw) > MAX_WEBHOOK_BYTES:
        raise ApiError(413, "payload_too_large", "Webhook body is too large.")
    auth = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if not auth:
        raise ApiError(401, "invalid_signature", "Missing Authorization header.")
    try:
        event: WebhookEvent = svc.webhook_receiver.receive(raw.decode("utf-8"), auth)
    except Exception:
        raise ApiError(
            401, "invalid_signature", "Webhook signature or body hash is invalid."
        ) from None

    session_id = session_id_of(event)
    if session_id is None:
        return WebhookAck(status="ignored", event=event.event)
    tenant = await _tenant_for(svc, session_id, event)
    recorded = await svc.sessions.record(session_id, event, tenant)
    if event.event == "room_started" and event.room.name:
        replaced = await svc.sessions.close_replaced(tenant, event.room.name, recorded)
        if replaced:
            log.info("room %s restarted as %s: closed %s", event.room.name, session_id, replaced)
    if event.event == "participant_left" and event.room.name:
        svc.spawn(recover_agent_if_needed(svc, event, session_id, tenant))
    return WebhookAck(status="recorded", event=event.event, sessionId=session_id)


async def _tenant_for(svc: ServicesDep, session_id: str, event: WebhookEvent) -> str:
    """The session's recorded owner, else the tenant its room name was made for or
    claimed by."""
    owner = await svc.owners.owner(session_id)
    if owner is not None:
        return owner
    room = event.room.name or event.egress_info.room_name
    made_for = _made_for(svc, room)
    if made_for is not None:
        return made_for
    phone_tenant = tenant_of_phone_room(room) if room else None
    if phone_tenant is not None:
        return phone_tenant  # a caller's room, made by the tenant's number (never claimable)
    claimed = await svc.room_claims.tenant_of(room) if room else None
    # Rooms nobody claimed were made outside Parley's token route: the default tenant's.
    return claimed or DEFAULT_TENANT


def _made_for(svc: ServicesDep, room: str) -> str | None:
    """The tenant of a server-made room name (no claim exists for those)."""
    try:
        return svc.room_names.tenant_of(room) if room else None
    except ReservedRoomName:
        return None  # never handed out by the token route: no tenant's room
