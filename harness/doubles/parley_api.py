"""The Parley API's agent-facing routes, in memory, checked against the OpenAPI document."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from harness.doubles.base import Handler, application
from harness.doubles.contract import api_contract


@dataclass
class FakeParleyApi:
    """The agent-facing API routes, in memory, with switchable outages. Every request is
    checked against docs/openapi.json first: one the real API would refuse is answered 422
    and kept in ``violations``."""

    segments: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    uploads: dict[str, dict[str, Any]] = field(default_factory=dict)
    transcript_posts: list[int] = field(default_factory=list)
    status: int = 200
    reject_transcripts: bool = False
    violations: list[str] = field(default_factory=list)
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)

    def app(self) -> web.Application:
        @web.middleware
        async def check_contract(request: web.Request, handler: Handler) -> web.StreamResponse:
            problems = api_contract().violations(
                request.method, request.path, request.query, request.headers, await request.read()
            )
            if problems:
                self.violations.extend(problems)
                return web.json_response(
                    {"error": "contract_violation", "message": "; ".join(problems)}, status=422
                )
            return await handler(request)

        session = "/api/sessions/{sid}"
        app = application(
            web.post(f"{session}/transcript", self._transcript),
            web.post(f"{session}/events", self._events),
            web.get(f"{session}/uploads", self._list_uploads),
            web.get(f"{session}/uploads/{{uid}}", self._get_upload),
            web.get("/api/tenants/{tenant}/profile", self._profile),
        )
        app.middlewares.append(check_contract)
        return app

    def add_document(self, session_id: str, filename: str, text: str) -> str:
        upload_id = uuid.uuid4().hex[:24]  # the API issues 24 hex digits
        self.uploads[upload_id] = {
            "uploadId": upload_id,
            "sessionId": session_id,
            "filename": filename,
            "status": "ready",
            "text": text,
        }
        return upload_id

    async def _transcript(self, request: web.Request) -> web.Response:
        if request.headers.get("x-api-key") != "agent-key":
            return web.json_response({"error": "unauthorized"}, status=401)
        if self.status != 200:
            return web.json_response({"error": "down"}, status=self.status)
        body = await request.json()
        if self.reject_transcripts:
            return web.json_response({"error": "invalid"}, status=422)
        self.transcript_posts.append(len(body["segments"]))
        for seg in body["segments"]:
            self.segments[seg["id"]] = seg
        return web.json_response({"accepted": len(body["segments"])})

    async def _events(self, request: web.Request) -> web.Response:
        if self.status != 200:
            return web.json_response({"error": "down"}, status=self.status)
        body = await request.json()
        for event in body["events"]:
            self.events[event["id"]] = event
        return web.json_response({"accepted": len(body["events"])})

    async def _list_uploads(self, request: web.Request) -> web.Response:
        sid = request.match_info["sid"]
        items = [u for u in self.uploads.values() if u["sessionId"] == sid]
        if request.query.get("includeText") != "true":
            items = [{k: v for k, v in u.items() if k != "text"} for u in items]
        return web.json_response({"items": items})

    async def _get_upload(self, request: web.Request) -> web.Response:
        upload = self.uploads.get(request.match_info["uid"])
        if upload is None:
            return web.json_response({"error": "not_found"}, status=404)
        return web.json_response(upload)

    async def _profile(self, request: web.Request) -> web.Response:
        return web.json_response(self.profiles.get(request.match_info["tenant"], {}))
