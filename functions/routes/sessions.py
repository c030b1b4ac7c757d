"""Sessions, their transcripts and the agent's session events."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from functions.models import (
    NAME_PATTERN,
    Accepted,
    SegmentBatch,
    Session,
    SessionEventBatch,
    SessionEventPage,
    SessionPage,
    TranscriptPage,
)
from functions.routes.deps import AgentDep, IntegratorDep, ServicesDep, SessionIdPath
from functions.routes.errors import ERROR_RESPONSES, ApiError, ErrorBody

router = APIRouter(tags=["sessions"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "Unknown session."}
}
Limit = Annotated[int, Query(ge=1, le=1000, description="Page size.")]
Continuation = Annotated[
    str | None, Query(max_length=4096, description="Token from the previous page.")
]


@router.get("/sessions", response_model=SessionPage, responses=ERROR_RESPONSES)
async def list_sessions(
    _: IntegratorDep,
    svc: ServicesDep,
    room: Annotated[str | None, Query(pattern=NAME_PATTERN, description="Room name.")] = None,
    limit: Limit = 50,
    continuation: Continuation = None,
) -> SessionPage:
    """Sessions, newest first, optionally only those of one room name."""
    items, token = await svc.sessions.find(room, limit, continuation)
    return SessionPage(items=[Session.model_validate(i) for i in items], continuation=token)


@router.get(
    "/sessions/{sessionId}", response_model=Session, responses={**ERROR_RESPONSES, **NOT_FOUND}
)
async def get_session(sessionId: SessionIdPath, _: IntegratorDep, svc: ServicesDep) -> Session:
    """Lifecycle, participants, tracks and times of one session."""
    doc = await svc.sessions.get(sessionId)
    if doc is None:
        raise ApiError(404, "session_not_found", "No such session.")
    return Session.model_validate(doc)


@router.get(
    "/sessions/{sessionId}/transcript",
    response_model=TranscriptPage,
    responses=ERROR_RESPONSES,
)
async def read_transcript(
    sessionId: SessionIdPath,
    _: IntegratorDep,
    svc: ServicesDep,
    limit: Limit = 100,
    continuation: Continuation = None,
) -> JSONResponse:
    """Segments in turn order; follow `continuation` until it is null."""
    items, token = await svc.transcripts.page(sessionId, limit, continuation)
    # Stored segments hold only the fields the agent sent; answer them as stored.
    return JSONResponse({"items": items, "continuation": token})


@router.post("/sessions/{sessionId}/transcript", response_model=Accepted, responses=ERROR_RESPONSES)
async def append_transcript(
    sessionId: SessionIdPath, body: SegmentBatch, _: AgentDep, svc: ServicesDep
) -> Accepted:
    """Agent only. Upserts segments by id, so a retried batch never duplicates a segment."""
    for segment in body.segments:
        expected = f"{sessionId}-{segment.turnIndex:06d}-{segment.role}"
        if segment.id != expected:
            raise ApiError(
                422,
                "invalid_segment_id",
                f"Segment id {segment.id!r} must be {expected!r} for this session, turn and role.",
            )
    return Accepted(accepted=await svc.transcripts.append(sessionId, body.segments))


@router.post("/sessions/{sessionId}/events", response_model=Accepted, responses=ERROR_RESPONSES)
async def append_events(
    sessionId: SessionIdPath, body: SessionEventBatch, _: AgentDep, svc: ServicesDep
) -> Accepted:
    """Agent only. Records what the agent saw (participants, tracks, data, quality)."""
    return Accepted(accepted=await svc.sessions.add_events(sessionId, body.events))


@router.get(
    "/sessions/{sessionId}/events", response_model=SessionEventPage, responses=ERROR_RESPONSES
)
async def list_events(
    sessionId: SessionIdPath, _: IntegratorDep, svc: ServicesDep, limit: Limit = 500
) -> SessionEventPage:
    """Events the agent recorded for this session, oldest first."""
    items = await svc.sessions.list_events(sessionId, limit)
    return SessionEventPage.model_validate({"items": items})
