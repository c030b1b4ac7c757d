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
)
from functions.tokens.room_claims import room_in_use
from functions.tokens.room_names import ReservedRoomName

log = logging.getLogger(__name__)
router = APIRouter(tags=["tokens"])


@router.post(
    "/token",
    response_model=TokenResponse,
    summary="Mint a LiveKit participant token",
    responses=responses_with(
        {
            409: "Another tenant is using this room name.",
            422: "Invalid input, or a room name only the server may make.",
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
    A room the server names proves its tenant itself (no store round trip); a name the
    caller chooses is claimed for the caller's tenant. A name another tenant is using is
    refused with 409 `room_in_use`; a name of the server's own shape that it did not make,
    with 422 `room_name_reserved`."""
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

    if body.roomName and is_phone_room(body.roomName):
        raise ApiError(
            422, "room_name_reserved", "Room names starting phone_ are made for phone calls."
        )
    tenant = caller.tenant or DEFAULT_TENANT
    room = body.roomName or svc.room_names.make(tenant)
    if body.roomName:
        await _admit_to_named_room(svc, body.roomName, tenant)
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


async def _admit_to_named_room(svc: ServicesDep, room: str, tenant: str) -> None:
    """A server-made name admits only its own tenant; any other name takes a claim."""
    try:
        maker = svc.room_names.tenant_of(room)
    except ReservedRoomName:
        raise ApiError(
            422, "room_name_reserved", "Names of this shape are made by the server only."
        ) from None
    if maker is None:
        await svc.room_claims.claim(room, tenant)
    elif maker != tenant:
        raise room_in_use()


async def _dispatch_into_existing_room(svc: ServicesDep, room: str, metadata: str) -> None:
    try:
        if await svc.livekit.room_exists(room):
            await svc.livekit.ensure_agent(room, metadata)
    except Exception:
        # The token still dispatches if the room turns out to be new; never fail the join.
        log.warning("could not check or dispatch the agent for room %s", room, exc_info=True)
