"""LiveKit access tokens with least-privilege grants and explicit agent dispatch."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from typing import Any

from livekit import api

from functions.settings import ApiSettings

MAX_METADATA_BYTES = 2048


def new_identity() -> str:
    return f"user-{secrets.token_hex(4)}"


def dispatch_metadata(
    identity: str, caller_kind: str, tenant: str, metadata: dict[str, Any] | None
) -> str:
    """What the agent receives as its job metadata (compact JSON). ``tenant`` tells the
    agent whose profile to apply and whose sessions it writes into."""
    body: dict[str, Any] = {"participant": identity, "requestedBy": caller_kind, "tenant": tenant}
    if metadata:
        body["metadata"] = metadata
    return json.dumps(body, separators=(",", ":"))


def grants_for(room: str) -> api.VideoGrants:
    """Join exactly one room; publish, subscribe and send data. Nothing administrative."""
    return api.VideoGrants(
        room_join=True,
        room=room,
        can_publish=True,
        can_subscribe=True,
        can_publish_data=True,
        room_admin=False,
        room_create=False,
        room_list=False,
        room_record=False,
        recorder=False,
        hidden=False,
        agent=False,
    )


def mint_participant_token(
    settings: ApiSettings, room: str, identity: str, name: str, agent_metadata: str
) -> str:
    """A signed token; its room configuration dispatches the agent if the join creates the room."""
    room_config = api.RoomConfiguration(
        agents=[api.RoomAgentDispatch(agent_name=settings.agent_name, metadata=agent_metadata)]
    )
    return (
        api.AccessToken(settings.livekit_api_key, settings.livekit_api_secret.get_secret_value())
        .with_identity(identity)
        .with_name(name)
        .with_ttl(timedelta(seconds=settings.token_ttl_seconds))
        .with_grants(grants_for(room))
        .with_room_config(room_config)
        .to_jwt()
    )
