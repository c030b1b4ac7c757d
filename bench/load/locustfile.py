"""The simulated users of ``make bench-load``. Runs under locust in ``.venv-load``, so it
imports only locust and the standard library (the project's packages live elsewhere).

Settings come from the environment the bench sets: ``LOAD_API_KEY`` (integrator),
``LOAD_AGENT_KEY`` (agent), ``LOAD_LIVEKIT_KEY`` / ``LOAD_LIVEKIT_SECRET`` (webhook signing).
Every request has a timeout; any non-2xx answer counts as an error.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import random
import time
import uuid
from typing import Any

from locust import HttpUser, between, task

REQUEST_TIMEOUT_S = 10.0
NAMED_ROOMS = 50
"""Client-chosen room names shared by all users: most claims are already held."""
SEGMENTS_PER_WRITE = 2
"""An agent ships a turn's user and assistant segments together."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def webhook_authorization(body: str, key: str, secret: str) -> str:
    """An HS256 JWT holding the body's sha256, as the LiveKit server signs its webhooks."""
    now = int(time.time())
    claims = {
        "iss": key,
        "nbf": now,
        "exp": now + 600,
        "sha256": base64.b64encode(hashlib.sha256(body.encode()).digest()).decode(),
    }
    head = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _b64url(json.dumps(claims).encode())
    signature = hmac.new(secret.encode(), f"{head}.{payload}".encode(), hashlib.sha256)
    return f"{head}.{payload}.{_b64url(signature.digest())}"


def room_events(room_sid: str, room: str, user: str) -> list[dict[str, Any]]:
    """One short call's lifecycle as the server reports it (protobuf JSON field names)."""
    participant = {"sid": f"PA_{uuid.uuid4().hex[:12]}", "identity": user}
    base = {"room": {"sid": room_sid, "name": room}, "createdAt": str(int(time.time()))}
    kinds = ["room_started", "participant_joined", "track_published", "participant_left"]
    events = [{**base, "event": kind, "id": f"EV_{uuid.uuid4().hex}"} for kind in kinds]
    for event in events[1:]:
        event["participant"] = participant
    events[2]["track"] = {"sid": f"TR_{uuid.uuid4().hex[:12]}", "type": "AUDIO"}
    return events


class ApiUser(HttpUser):
    """An integrator's end user and the agent serving them: tokens, reads, writes, webhooks."""

    wait_time = between(1.0, 3.0)

    def on_start(self) -> None:
        self.integrator = {"x-api-key": os.environ["LOAD_API_KEY"]}
        self.agent = {"x-api-key": os.environ["LOAD_AGENT_KEY"]}
        self.livekit_key = os.environ["LOAD_LIVEKIT_KEY"]
        self.livekit_secret = os.environ["LOAD_LIVEKIT_SECRET"]
        self.session_id = f"RM_load{uuid.uuid4().hex[:12]}"
        self.turn = 0
        self.server_room: str | None = None
        # Every route once, in a user's order, so even a short run reports each of them.
        self.write_transcript()
        self.token_new_room()
        self.token_rejoin_room()
        self.token_named_room()
        self.list_sessions()
        self.read_transcript()
        self.webhook_burst()

    def _post(self, name: str, path: str, **kwargs: Any) -> Any:
        return self.client.post(path, name=name, timeout=REQUEST_TIMEOUT_S, **kwargs)

    def _get(self, name: str, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, name=name, timeout=REQUEST_TIMEOUT_S, **kwargs)

    def _participant(self) -> str:
        return f"load-{uuid.uuid4().hex[:10]}"

    @task(3)
    def token_new_room(self) -> None:
        body = {"participantName": self._participant()}
        resp = self._post("token: new room", "/api/token", json=body, headers=self.integrator)
        if resp.ok:
            self.server_room = resp.json()["roomName"]

    @task(1)
    def token_rejoin_room(self) -> None:
        if self.server_room is None:
            return
        body = {"participantName": self._participant(), "roomName": self.server_room}
        self._post("token: rejoin room", "/api/token", json=body, headers=self.integrator)

    @task(1)
    def token_named_room(self) -> None:
        room = f"load-room-{random.randrange(NAMED_ROOMS)}"
        body = {"participantName": self._participant(), "roomName": room}
        self._post("token: named room", "/api/token", json=body, headers=self.integrator)

    @task(2)
    def list_sessions(self) -> None:
        self._get("sessions: list", "/api/sessions?limit=20", headers=self.integrator)

    @task(2)
    def read_transcript(self) -> None:
        path = f"/api/sessions/{self.session_id}/transcript?limit=100"
        self._get("transcript: read", path, headers=self.integrator)

    @task(2)
    def write_transcript(self) -> None:
        segments = []
        for role in ("user", "assistant")[:SEGMENTS_PER_WRITE]:
            segments.append(
                {
                    "id": f"{self.session_id}-{self.turn:06d}-{role}",
                    "role": role,
                    "turnIndex": self.turn,
                    "text": "a sentence of about the length people say in one turn",
                }
            )
        self.turn += 1
        path = f"/api/sessions/{self.session_id}/transcript"
        self._post("transcript: write", path, json={"segments": segments}, headers=self.agent)

    @task(1)
    def webhook_burst(self) -> None:
        sid = f"RM_hook{uuid.uuid4().hex[:12]}"
        for event in room_events(sid, f"hook-{sid[-8:]}", self._participant()):
            body = json.dumps(event)
            headers = {
                "Authorization": webhook_authorization(body, self.livekit_key, self.livekit_secret),
                "Content-Type": "application/webhook+json",
            }
            self._post("webhook", "/api/livekit/webhook", data=body, headers=headers)
