"""Uploads: create a write-only ticket, then process the blob into text or a rejection.

``UploadService.complete`` is the one processor; both the HTTP `complete` route and the
Event Grid blob trigger call it, and whichever comes second finds the work done.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import ResourceNotFoundError
from azure.cosmos import exceptions as cosmos_errors
from azure.cosmos.aio import ContainerProxy
from azure.storage.blob.aio import ContainerClient

from functions.core.cosmos_ops import Document, public, read_one
from functions.core.errors import (
    Conflict,
    Invalid,
    NotFound,
    TooLarge,
    Unavailable,
    UnsupportedType,
)
from functions.core.timeutil import iso_from_epoch, utc_now_iso
from functions.models import UploadRequest
from functions.uploads.documents import (
    DocumentPolicy,
    ExtractionUnavailable,
    check_declared,
    inspect_document_async,
)
from functions.uploads.sas import UploadSasIssuer

log = logging.getLogger(__name__)

# A claim older than this is presumed abandoned (the processor died) and may be retaken.
STALE_PROCESSING = timedelta(minutes=5)
_FINAL = ("ready", "rejected")

Notifier = Callable[[Document], Awaitable[None]]


def blob_name_for(session_id: str, upload_id: str) -> str:
    # The user's file name never becomes part of a storage path.
    return f"{session_id}/{upload_id}"


def _declared_problem(code: str, message: str) -> Invalid:
    """The domain error for a request whose declared name, type or size is refused."""
    if code == "too_large":
        return TooLarge(code, message)
    if code in ("type_not_allowed", "type_mismatch", "unrecognised_type"):
        return UnsupportedType(code, message)
    return Invalid(code, message)


def _present(doc: Document, include_text: bool) -> Document:
    out = {k: v for k, v in public(doc).items() if k not in ("id", "blobName", "roomName")}
    out.pop("claimedAt", None)
    if not include_text:
        out.pop("text", None)
    return out


@dataclass(frozen=True)
class UploadService:
    """Upload records, their blobs, and the processing between them."""

    container: ContainerProxy
    """Cosmos container of the upload records."""
    blobs: ContainerClient
    """Blob container the clients PUT their files into."""
    sas: UploadSasIssuer
    """Signs the write-only URL of one blob."""
    policy: DocumentPolicy
    """What a document may be (size, types) and how its text is extracted."""
    sas_ttl: timedelta
    """How long a ticket's URL stays writable."""
    notify: Notifier | None = None
    """Told about each upload that becomes ready (so the agent in the room hears of it)."""

    async def create(self, session_id: str, request: UploadRequest) -> dict[str, Any]:
        problem = check_declared(request.filename, request.contentType, request.size, self.policy)
        if problem is not None:
            raise _declared_problem(*problem)
        upload_id = secrets.token_hex(12)
        blob_name = blob_name_for(session_id, upload_id)
        url, expiry = await self.sas.issue(blob_name, self.sas_ttl)
        doc: Document = {
            "id": upload_id,
            "uploadId": upload_id,
            "sessionId": session_id,
            "filename": request.filename,
            "contentType": request.contentType,
            "size": request.size,
            "status": "pending",
            "blobName": blob_name,
            "roomName": request.roomName,
            "createdAt": utc_now_iso(),
        }
        await self.container.create_item(doc)
        return {
            "uploadId": upload_id,
            "uploadUrl": url,
            "expiresAt": iso_from_epoch(expiry.timestamp()),
            "requiredHeaders": {"x-ms-blob-type": "BlockBlob", "Content-Type": request.contentType},
        }

    async def get(self, session_id: str, upload_id: str, include_text: bool) -> Document:
        doc = await read_one(self.container, upload_id, session_id)
        if doc is None:
            raise NotFound("upload_not_found", "No such upload in this session.")
        return _present(doc, include_text)

    async def list_for_session(self, session_id: str, include_text: bool) -> list[Document]:
        query = "SELECT * FROM c WHERE c.sessionId = @sid ORDER BY c.createdAt ASC"
        params: list[dict[str, object]] = [{"name": "@sid", "value": session_id}]
        items = self.container.query_items(query, parameters=params, partition_key=session_id)
        return [_present(item, include_text) async for item in items]

    async def _claim(self, doc: Document) -> Document | None:
        """Move the upload to `processing`; None when another processor owns it."""
        if doc["status"] == "processing":
            claimed = datetime.fromisoformat(doc.get("claimedAt", "1970-01-01T00:00:00Z"))
            if datetime.now(UTC) - claimed < STALE_PROCESSING:
                return None
        doc = dict(doc)
        doc["status"] = "processing"
        doc["claimedAt"] = utc_now_iso()
        try:
            written = await self.container.replace_item(
                item=doc["id"],
                body=public(doc),
                etag=doc["_etag"],
                match_condition=MatchConditions.IfNotModified,
            )
        except cosmos_errors.CosmosHttpResponseError as exc:
            if exc.status_code == 412:
                return None
            raise
        return dict(written)

    async def _save(self, doc: Document, **changes: Any) -> Document:
        doc = {**public(doc), **changes}
        doc.pop("claimedAt", None)
        written = await self.container.replace_item(item=doc["id"], body=doc)
        return dict(written)

    async def complete(self, session_id: str, upload_id: str) -> Document:
        doc = await read_one(self.container, upload_id, session_id)
        if doc is None:
            raise NotFound("upload_not_found", "No such upload in this session.")
        if doc["status"] in _FINAL:
            return _present(doc, include_text=False)
        claimed = await self._claim(doc)
        if claimed is None:
            return _present(doc, include_text=False)
        result = await self._process(claimed)
        if result["status"] == "ready" and self.notify is not None:
            await self.notify(result)
        return _present(result, include_text=False)

    async def _process(self, doc: Document) -> Document:
        blob = self.blobs.get_blob_client(doc["blobName"])
        try:
            props = await blob.get_blob_properties()
        except ResourceNotFoundError:
            # Not uploaded yet: hand the upload back so the client can PUT and retry.
            await self._save(doc, status="pending")
            raise Conflict(
                "upload_not_received", "The file has not been uploaded to its URL yet."
            ) from None
        real_size = int(props.size)
        if real_size > self.policy.max_bytes:
            return await self._reject(
                doc,
                "too_large",
                f"The file is {real_size} bytes; the limit is {self.policy.max_bytes} bytes.",
            )
        downloader = await blob.download_blob(max_concurrency=1)
        data = await downloader.readall()
        try:
            verdict = await inspect_document_async(
                data, doc["filename"], doc["contentType"], int(doc["size"]), self.policy
            )
        except ExtractionUnavailable:
            # Our fault, not the file's: hand the upload back so a retry can process it.
            await self._save(doc, status="pending")
            raise Unavailable(
                "processing_unavailable", "Documents cannot be processed now; retry shortly."
            ) from None
        if not verdict.accepted:
            return await self._reject(doc, verdict.reason_code or "rejected", verdict.reason or "")
        text = verdict.text or ""
        return await self._save(
            doc,
            status="ready",
            detectedType=verdict.detected_type,
            text=text,
            textChars=len(text),
            textTruncated=verdict.text_truncated,
            processedAt=utc_now_iso(),
        )

    async def _reject(self, doc: Document, code: str, reason: str) -> Document:
        log.info("upload %s rejected: %s", doc["id"], code)
        return await self._save(
            doc, status="rejected", reasonCode=code, reason=reason, processedAt=utc_now_iso()
        )


def notifier_for(send: Callable[[str, dict[str, Any]], Awaitable[None]]) -> Notifier:
    """Tell the room's agent about a ready document, best effort and off the request path."""
    tasks: set[asyncio.Task[None]] = set()

    async def _send(doc: Document) -> None:
        try:
            await send(
                doc["roomName"],
                {
                    "type": "upload.ready",
                    "sessionId": doc["sessionId"],
                    "uploadId": doc["uploadId"],
                    "filename": doc["filename"],
                },
            )
        except Exception:  # a missing room or an unreachable server must not fail the upload
            log.warning("could not notify room about upload %s", doc["uploadId"], exc_info=True)

    async def notify(doc: Document) -> None:
        if not doc.get("roomName"):
            return
        task = asyncio.create_task(_send(doc))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    return notify
