"""Upload processing started by the blob trigger (Event Grid) instead of an HTTP call."""

from __future__ import annotations

import logging

from functions.core.errors import DomainError
from functions.services import ServiceHolder

log = logging.getLogger(__name__)


def parse_blob_path(path: str, container: str) -> tuple[str, str] | None:
    """``uploads/{sessionId}/{uploadId}`` → (sessionId, uploadId); None for anything else."""
    parts = path.strip("/").split("/")
    if parts and parts[0] == container:
        parts = parts[1:]
    if len(parts) != 2 or not all(parts):
        return None
    return parts[0], parts[1]


async def process_uploaded_blob(holder: ServiceHolder, path: str) -> None:
    svc = await holder.get()
    ids = parse_blob_path(path, svc.settings.uploads_container)
    if ids is None:
        log.warning("ignoring blob outside the upload layout: %s", path)
        return
    try:
        await svc.uploads.complete(*ids)
    except DomainError as exc:
        # Unknown upload ids are someone else's blobs; nothing to retry.
        log.warning("blob %s not processed: %s", path, exc.code)
