"""The agent's HTTP client for the Parley API (transcripts, events, uploads).

The agent shares no code with the API: this follows the documented contract
(docs/contract-notes.md, the OpenAPI document). Every call has a timeout.
"""

from __future__ import annotations

import functools
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import quote

import httpx

JSON = dict[str, Any]


class ApiError(Exception):
    """A call the API answered with an error status."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"HTTP {status}: {body[:200]}")
        self.status = status
        self.body = body

    @property
    def retryable(self) -> bool:
        """Server-side or throttling errors may succeed later; other 4xx never will."""
        return self.status >= 500 or self.status in (408, 425, 429)


@dataclass(frozen=True)
class UploadTicket:
    """Where and how to PUT an upload's bytes."""

    upload_id: str
    """The upload's id in the API."""
    upload_url: str
    """Short-lived, write-only SAS URL for the blob."""
    required_headers: Mapping[str, str]
    """Headers the PUT must carry (e.g. ``x-ms-blob-type``)."""


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One TLS context per process: building one parses the CA bundle (tens of ms of CPU),
    which each call's clients would otherwise repeat while the call starts."""
    return httpx.create_ssl_context()


class ParleyApi:
    """Async client for the routes the agent uses; one per job."""

    def __init__(
        self, base_url: str, agent_key: str, *, timeout: float = 5.0, tenant: str | None = None
    ) -> None:
        headers = {"x-api-key": agent_key}
        if tenant:
            # the API then refuses writes into another tenant's session
            headers["x-parley-tenant"] = tenant
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers=headers,
            timeout=httpx.Timeout(timeout),
            verify=tls_context(),
        )
        # the blob PUT goes to storage, never with the API key
        self._blob = httpx.AsyncClient(
            timeout=httpx.Timeout(max(timeout, 30.0)), verify=tls_context()
        )

    async def aclose(self) -> None:
        await self._http.aclose()
        await self._blob.aclose()

    async def _call(self, method: str, path: str, **kwargs: Any) -> JSON:
        resp = await self._http.request(method, path, **kwargs)
        if resp.status_code >= 400:
            raise ApiError(resp.status_code, resp.text)
        if not resp.content:
            return {}
        return cast(JSON, resp.json())

    async def tenant_profile(self, tenant: str) -> JSON:
        return await self._call("GET", f"/api/tenants/{quote(tenant, safe='')}/profile")

    async def post_transcript(self, session_id: str, segments: Sequence[JSON]) -> JSON:
        return await self._call(
            "POST", f"/api/sessions/{session_id}/transcript", json={"segments": list(segments)}
        )

    async def post_events(self, session_id: str, events: Sequence[JSON]) -> JSON:
        return await self._call(
            "POST", f"/api/sessions/{session_id}/events", json={"events": list(events)}
        )

    async def create_upload(
        self, session_id: str, *, filename: str, content_type: str, size: int, room_name: str
    ) -> UploadTicket:
        body = {
            "filename": filename,
            "contentType": content_type,
            "size": size,
            "roomName": room_name,
        }
        data = await self._call("POST", f"/api/sessions/{session_id}/uploads", json=body)
        return UploadTicket(
            upload_id=str(data["uploadId"]),
            upload_url=str(data["uploadUrl"]),
            required_headers={str(k): str(v) for k, v in data.get("requiredHeaders", {}).items()},
        )

    async def put_blob(self, ticket: UploadTicket, content: bytes, content_type: str) -> None:
        headers = {"content-type": content_type, **ticket.required_headers}
        resp = await self._blob.put(ticket.upload_url, content=content, headers=headers)
        if resp.status_code >= 400:
            raise ApiError(resp.status_code, resp.text)

    async def complete_upload(self, session_id: str, upload_id: str) -> JSON:
        return await self._call("POST", f"/api/sessions/{session_id}/uploads/{upload_id}/complete")

    async def get_upload(self, session_id: str, upload_id: str, *, include_text: bool) -> JSON:
        params = {"includeText": "true"} if include_text else {}
        return await self._call(
            "GET", f"/api/sessions/{session_id}/uploads/{upload_id}", params=params
        )

    async def list_uploads(self, session_id: str, *, include_text: bool) -> list[JSON]:
        params = {"includeText": "true"} if include_text else {}
        data = await self._call("GET", f"/api/sessions/{session_id}/uploads", params=params)
        return [cast(JSON, item) for item in data.get("items", [])]
