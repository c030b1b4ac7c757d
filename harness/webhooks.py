"""LiveKit webhooks as the server sends them: protobuf JSON bodies, signed with a JWT that
holds the body's sha256."""

from __future__ import annotations

import base64
import hashlib
import uuid

import httpx
from google.protobuf.json_format import MessageToJson
from livekit import api
from livekit.protocol.webhook import WebhookEvent

from harness.livekit import DEV_LIVEKIT_KEY, DEV_LIVEKIT_SECRET

WEBHOOK_PATH = "/api/livekit/webhook"
WEBHOOK_CONTENT_TYPE = "application/webhook+json"


def body_digest(body: str) -> str:
    return base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()


def sign_webhook(body: str, secret: str = DEV_LIVEKIT_SECRET, key: str = DEV_LIVEKIT_KEY) -> str:
    """Sign a webhook exactly as the LiveKit server does: a JWT holding the body's sha256."""
    return api.AccessToken(key, secret).with_sha256(body_digest(body)).to_jwt()


def webhook_body(event: WebhookEvent) -> str:
    return MessageToJson(event)


def signed_webhook(
    event: WebhookEvent, secret: str = DEV_LIVEKIT_SECRET, key: str = DEV_LIVEKIT_KEY
) -> tuple[str, dict[str, str]]:
    """The body and headers of one webhook POST for ``event``."""
    body = webhook_body(event)
    headers = {"Authorization": sign_webhook(body, secret, key)}
    return body, {**headers, "Content-Type": WEBHOOK_CONTENT_TYPE}


async def post_event(client: httpx.AsyncClient, event: WebhookEvent) -> httpx.Response:
    """POST ``event`` to the API behind ``client``, signed with the development keys."""
    body, headers = signed_webhook(event)
    return await client.post(WEBHOOK_PATH, content=body, headers=headers)


def room_event(
    kind: str,
    room_sid: str,
    room_name: str,
    created_at: int,
    event_id: str | None = None,
    participant: api.ParticipantInfo | None = None,
) -> WebhookEvent:
    event = WebhookEvent(
        event=kind,
        id=event_id or f"EV_{uuid.uuid4().hex[:12]}",
        created_at=created_at,
        room=api.Room(sid=room_sid, name=room_name, creation_time=created_at - 1),
    )
    if participant is not None:
        event.participant.CopyFrom(participant)
    return event
