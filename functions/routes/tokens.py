"""`POST /api/token`: a LiveKit token for one participant in one room, with the agent dispatched."""

from __future__ import annotations

import json
import logging

from fastapi import APIRouter

from functions.core.auth import CallerKind
from functions.models import TokenRequest, TokenResponse
from functions.phone.rooms import is_phone_room
from functions.routes.deps import ServicesDep, TokenCallerDep
from functions.routes.errors import ApiError, responses_with
from functions.settings import DEFAULT_TENANT
from functions.tokens.minting import (
    MAX_METADATA_BYTES,
    dispatch_metadata,
    mint_participant_token,
    new_identity,
    new_room_name,
)

log = logging.getLogger(__name__)
router = APIRouter(tags=["tokens"])


@router.post(
    "/token",
    response_model=TokenResponse,
    summary="Mint a LiveKit participant token",
    responses=responses_with(
        {
            409: "Another tenant is using this room name.",
            429: "Too many tokens for this identity.",
            503: "Cannot check whether the room is free.",
        }
    ),
)
async def issue_token(
    body: TokenRequest, caller: TokenCallerDep, svc: ServicesDep
) -> TokenResponse:
    """Grants join, publish, subscribe and data for exactly one room (never admin rights),
    valid for `TOKEN_TTL_SECONDS`. The agent is dispatched by name: through the token when
    the join creates the room, through the LiveKit server API when the room already exists.
    Easy Auth users always get their own identity; integrators may name the participant.
    The room name is claimed for the caller's tenant: a name another tenant is using is
    refused with 409 `room_in_use`."""
    if caller.kind is CallerKind.USER:
        identity = caller.identity
        name = caller.display_name or caller.identity
    else:
        identity = body.participantName or new_identity()
        name = identity
    if body.metadata is not None and len(json.dumps(body.metadata)) > MAX_METADATA_BYTES:
        raise ApiError(
            422, "metadata_too_large", f"metadata must be at most {MAX_METADATA_BYTES} bytes."
        )

    decision = svc.token_limiter.check(f"{caller.identity}|{identity}")
    if not decision.allowed:
        raise ApiError(
            429,
            "rate_limited",
            f"Too many tokens for this identity; retry in {decision.retry_after_seconds} s.",
            headers={"Retry-After": str(decision.retry_after_seconds)},
        )

    room = body.roomName or new_room_name()
    if is_phone_room(room):
        raise ApiError(422, "reserved_room_name", "Room names starting phone_ are for calls.")
    tenant = caller.tenant or DEFAULT_TENANT
    await svc.room_claims.claim(room, tenant)
    metadata = dispatch_metadata(identity, caller.kind.value, tenant, body.metadata)
    token = mint_participant_token(svc.settings, room, identity, name, metadata)
    if body.roomName:
        # Only a caller-chosen room can already exist; a fresh name is dispatched by the token.
        await _dispatch_into_existing_room(svc, room, metadata)
    return TokenResponse(
        serverUrl=svc.settings.livekit_url,
        roomName=room,
        participantToken=token,
        participantName=identity,
    )


async def _dispatch_into_existing_room(svc: ServicesDep, room: str, metadata: str) -> None:
    try:
        if await svc.livekit.room_exists(room):
            await svc.livekit.ensure_agent(room, metadata)
    except Exception:
        # The token still dispatches if the room turns out to be new; never fail the join.
        log.warning("could not check or dispatch the agent for room %s", room, exc_info=True)
