"""Files from the room: store them through the upload API, and learn when they are ready.

Door (a): a participant sends a file over a LiveKit byte stream (topic ``files``); the
agent creates an upload, PUTs the bytes to the SAS URL with the required headers and
completes it. Door (b): an integrator uploads directly and the API announces
``upload.ready`` on the data topic ``parley.uploads``. Either way, a ready document is
handed to ``on_ready`` once, a rejection to ``on_rejected``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import mimetypes
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from livekit import rtc

from agent_app.api.client import ApiError, UploadTicket
from agent_app.documents.search import Document

logger = logging.getLogger("parley.agent.uploads")

FILES_TOPIC = "files"
UPLOADS_TOPIC = "parley.uploads"
JSON = dict[str, Any]


class UploadApi(Protocol):
    """The upload routes the intake uses."""

    async def create_upload(
        self, session_id: str, *, filename: str, content_type: str, size: int, room_name: str
    ) -> UploadTicket: ...

    async def put_blob(self, ticket: UploadTicket, content: bytes, content_type: str) -> None: ...

    async def complete_upload(self, session_id: str, upload_id: str) -> JSON: ...

    async def get_upload(self, session_id: str, upload_id: str, *, include_text: bool) -> JSON: ...


@dataclass(frozen=True)
class IntakeOptions:
    """Limits for files arriving over the room."""

    max_bytes: int = 25 * 1024 * 1024
    """Larger streams are refused before they are stored."""
    poll_interval: float = 0.5
    """Seconds between status checks while an upload is still processing."""
    poll_timeout: float = 60.0
    """How long to wait for processing before giving up on telling the user."""


class UploadIntake:
    """Stores room files and reports ready or rejected documents, each upload once."""

    def __init__(
        self,
        api: UploadApi,
        session_id: str,
        room_name: str,
        *,
        on_ready: Callable[[Document], Awaitable[None]],
        on_rejected: Callable[[str, str], Awaitable[None]],
        options: IntakeOptions | None = None,
    ) -> None:
        self._api = api
        self._session_id = session_id
        self._room_name = room_name
        self._on_ready = on_ready
        self._on_rejected = on_rejected
        self._opts = options or IntakeOptions()
        self._announced: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def announced(self) -> set[str]:
        """Upload ids already handed on (kept in the session snapshot)."""
        return self._announced

    def _spawn(self, coro: Awaitable[None], name: str) -> None:
        async def guarded() -> None:
            try:
                await coro
            except Exception:
                logger.exception("upload handling failed")

        task = asyncio.create_task(guarded(), name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def wait_idle(self) -> None:
        """Wait for every file being handled (tests and shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # door (a): byte streams

    def on_byte_stream(self, reader: rtc.ByteStreamReader, participant_identity: str) -> None:
        """``room.register_byte_stream_handler(FILES_TOPIC, ...)`` callback."""
        self._spawn(self._receive(reader, participant_identity), "parley-file-receive")

    async def _receive(self, reader: rtc.ByteStreamReader, participant_identity: str) -> None:
        info = reader.info
        filename = info.name or "upload"
        content_type = (
            info.mime_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        )
        if info.size and info.size > self._opts.max_bytes:
            await self._on_rejected(filename, "too_large")
            return
        chunks: list[bytes] = []
        total = 0
        async for chunk in reader:
            total += len(chunk)
            if total > self._opts.max_bytes:
                await self._on_rejected(filename, "too_large")
                return
            chunks.append(chunk)
        logger.info("file received", extra={"participant": participant_identity, "bytes": total})
        await self.store(filename, content_type, b"".join(chunks))

    async def store(self, filename: str, content_type: str, data: bytes) -> JSON:
        """Create → PUT → complete, then report the outcome; returns the final upload."""
        try:
            ticket = await self._api.create_upload(
                self._session_id,
                filename=filename,
                content_type=content_type,
                size=len(data),
                room_name=self._room_name,
            )
        except ApiError as e:
            if e.retryable:
                raise
            # refused up front (type, size, name): tell the user why
            reason = _error_code(e.body)
            await self._on_rejected(filename, reason)
            return {"status": "rejected", "filename": filename, "reason": reason}
        await self._api.put_blob(ticket, data, content_type)
        upload = await self._api.complete_upload(self._session_id, ticket.upload_id)
        upload = await self._settle(ticket.upload_id, upload)
        await self._report(upload)
        return upload

    async def _settle(self, upload_id: str, upload: JSON) -> JSON:
        # processing may be asynchronous (Event Grid in Azure): poll, bounded
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._opts.poll_timeout
        while upload.get("status") in ("pending", "processing") and loop.time() < deadline:
            await asyncio.sleep(self._opts.poll_interval)
            upload = await self._api.get_upload(self._session_id, upload_id, include_text=False)
        return upload

    async def _report(self, upload: JSON) -> None:
        upload_id = str(upload.get("uploadId", ""))
        if not upload_id or upload_id in self._announced:
            return
        status = upload.get("status")
        filename = str(upload.get("filename", "your file"))
        if status == "ready":
            self._announced.add(upload_id)
            if not upload.get("text"):
                upload = await self._api.get_upload(self._session_id, upload_id, include_text=True)
            await self._on_ready(Document(upload_id, filename, str(upload.get("text") or "")))
        elif status == "rejected":
            self._announced.add(upload_id)
            await self._on_rejected(filename, str(upload.get("reason") or "rejected"))

    # door (b): the API's data message

    def on_data(self, packet: rtc.DataPacket) -> None:
        """Data handler for ``UPLOADS_TOPIC``."""
        try:
            message = json.loads(packet.data)
        except ValueError:
            logger.warning("ignoring a malformed upload message")
            return
        self.on_message(message)

    def on_message(self, message: JSON) -> None:
        if message.get("type") != "upload.ready" or not message.get("uploadId"):
            return
        if message.get("sessionId") not in (None, self._session_id):
            return
        upload_id = str(message["uploadId"])
        if upload_id in self._announced:
            return
        self._spawn(self._fetch_ready(upload_id), "parley-upload-ready")

    async def _fetch_ready(self, upload_id: str) -> None:
        upload = await self._api.get_upload(self._session_id, upload_id, include_text=True)
        await self._report(upload)


def _error_code(body: str) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return "rejected"
    code = data.get("error") if isinstance(data, dict) else None
    return str(code) if code else "rejected"
