"""Uploads: a write-only SAS ticket, processing, and the result."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from functions.models import Upload, UploadList, UploadRequest, UploadTicket
from functions.routes.deps import (
    IntegratorOrAgentDep,
    ReaderOrAgentDep,
    ServicesDep,
    SessionIdPath,
)
from functions.routes.errors import responses_with

router = APIRouter(tags=["uploads"])
UploadIdPath = Annotated[str, Path(pattern=r"^[a-f0-9]{24}$")]
IncludeText = Annotated[bool, Query(description="Include the extracted text.")]


@router.post(
    "/sessions/{sessionId}/uploads",
    response_model=UploadTicket,
    status_code=201,
    responses=responses_with(
        {
            404: "Another tenant's session.",
            413: "Declared size over the limit.",
            415: "Type not accepted.",
        }
    ),
)
async def create_upload(
    sessionId: SessionIdPath, body: UploadRequest, caller: IntegratorOrAgentDep, svc: ServicesDep
) -> UploadTicket:
    """Checks the declared name, type and size, then returns a SAS URL that can write this
    one blob and nothing else, for at most 15 minutes. PUT the file there with the
    `requiredHeaders`, then call `complete`."""
    await svc.owners.admit(sessionId, caller, write=True)
    return UploadTicket.model_validate(await svc.uploads.create(sessionId, body))


@router.post(
    "/sessions/{sessionId}/uploads/{uploadId}/complete",
    response_model=Upload,
    responses=responses_with({404: "Unknown upload.", 409: "The file has not been PUT yet."}),
)
async def complete_upload(
    sessionId: SessionIdPath,
    uploadId: UploadIdPath,
    caller: IntegratorOrAgentDep,
    svc: ServicesDep,
) -> Upload:
    """Processes the uploaded file (size, sniffed type, text extraction) and returns the
    upload, `ready` or `rejected` with a reason. Calling it again returns the same result."""
    await svc.owners.admit(sessionId, caller, write=False)
    return Upload.model_validate(await svc.uploads.complete(sessionId, uploadId))


@router.get(
    "/sessions/{sessionId}/uploads/{uploadId}",
    response_model=Upload,
    responses=responses_with({404: "Unknown upload."}),
)
async def get_upload(
    sessionId: SessionIdPath,
    uploadId: UploadIdPath,
    caller: IntegratorOrAgentDep,
    svc: ServicesDep,
    includeText: IncludeText = False,
) -> Upload:
    """One upload's status: pending, processing, ready or rejected."""
    await svc.owners.admit(sessionId, caller, write=False)
    return Upload.model_validate(await svc.uploads.get(sessionId, uploadId, includeText))


@router.get(
    "/sessions/{sessionId}/uploads",
    response_model=UploadList,
    responses=responses_with({404: "Unknown session."}),
)
async def list_uploads(
    sessionId: SessionIdPath,
    caller: ReaderOrAgentDep,
    svc: ServicesDep,
    includeText: IncludeText = False,
) -> UploadList:
    """Every upload of the session, oldest first."""
    await svc.owners.admit(sessionId, caller, write=False)
    return UploadList.model_validate(
        {"items": await svc.uploads.list_for_session(sessionId, includeText)}
    )
