"""Sessions, their transcripts, the agent's session events and per-turn metrics."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from functions.models import (
    NAME_PATTERN,
    TURN_METRICS_EVENT,
    Accepted,
    SegmentBatch,
    Session,
    SessionEventBatch,
    SessionEventPage,
    SessionPage,
    TranscriptPage,
    TurnMetrics,
    TurnMetricsPage,
)
from functions.phone.sessions import channel_of, phone_details
from functions.routes.deps import AgentDep, ReaderDep, ServicesDep, SessionIdPath
from functions.routes.errors import ERROR_RESPONSES, ApiError, responses_with

router = APIRouter(tags=["sessions"])
# Every route below on one session answers 404 for a session the caller may not see.
SESSION_RESPONSES = responses_with({404: "Unknown session."})
Limit = Annotated[int, Query(ge=1, le=1000, description="Page size.")]
Continuation = Annotated[
    str | None, Query(max_length=4096, description="Token from the previous page.")
]


@router.get("/sessions", response_model=SessionPage, responses=ERROR_RESPONSES)
async def list_sessions(
    caller: ReaderDep,
    svc: ServicesDep,
    room: Annotated[str | None, Query(pattern=NAME_PATTERN, description="Room name.")] = None,
    limit: Limit = 50,
    continuation: Continuation = None,
) -> SessionPage:
    """The caller's tenant's sessions, newest first, optionally only those of one room name."""
    items, token = await svc.sessions.find(caller.tenant or "", room, limit, continuation)
    sessions = [Session.model_validate({**i, "channel": channel_of(i)}) for i in items]
    return SessionPage(items=sessions, continuation=token)


@router.get("/sessions/{sessionId}", response_model=Session, responses=SESSION_RESPONSES)
async def get_session(sessionId: SessionIdPath, caller: ReaderDep, svc: ServicesDep) -> Session:
    """Lifecycle, participants, tracks and times of one session."""
    await svc.owners.admit(sessionId, caller, write=False)
    doc = await svc.sessions.get(sessionId)
    if doc is None:
        raise ApiError(404, "session_not_found", "No such session.")
    session = Session.model_validate({**doc, "channel": channel_of(doc)})
    if session.channel == "phone":
        session.phone = await phone_details(svc.sessions, sessionId)
    return session


@router.get(
    "/sessions/{sessionId}/transcript",
    response_model=TranscriptPage,
    responses=SESSION_RESPONSES,
)
async def read_transcript(
    sessionId: SessionIdPath,
    caller: ReaderDep,
    svc: ServicesDep,
    limit: Limit = 100,
    continuation: Continuation = None,
) -> JSONResponse:
    """Segments in turn order; follow `continuation` until it is null."""
    await svc.owners.admit(sessionId, caller, write=False)
    items, token = await svc.transcripts.page(sessionId, limit, continuation)
    # Stored segments hold only the fields the agent sent; answer them as stored.
    return JSONResponse({"items": items, "continuation": token})


@router.post(
    "/sessions/{sessionId}/transcript",
    response_model=Accepted,
    responses=SESSION_RESPONSES,
)
async def append_transcript(
    sessionId: SessionIdPath, body: SegmentBatch, caller: AgentDep, svc: ServicesDep
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
    await svc.owners.admit(sessionId, caller, write=True)
    return Accepted(accepted=await svc.transcripts.append(sessionId, body.segments))


@router.post(
    "/sessions/{sessionId}/events",
    response_model=Accepted,
    responses=SESSION_RESPONSES,
)
async def append_events(
    sessionId: SessionIdPath, body: SessionEventBatch, caller: AgentDep, svc: ServicesDep
) -> Accepted:
    """Agent only. Records what the agent saw (participants, tracks, data, quality)."""
    await svc.owners.admit(sessionId, caller, write=True)
    return Accepted(accepted=await svc.sessions.add_events(sessionId, body.events))


@router.get(
    "/sessions/{sessionId}/events",
    response_model=SessionEventPage,
    responses=SESSION_RESPONSES,
)
async def list_events(
    sessionId: SessionIdPath, caller: ReaderDep, svc: ServicesDep, limit: Limit = 500
) -> SessionEventPage:
    """Events the agent recorded for this session, oldest first."""
    await svc.owners.admit(sessionId, caller, write=False)
    items = await svc.sessions.list_events(sessionId, limit)
    return SessionEventPage.model_validate({"items": items})


@router.get(
    "/sessions/{sessionId}/metrics",
    response_model=TurnMetricsPage,
    responses=SESSION_RESPONSES,
)
async def turn_metrics(
    sessionId: SessionIdPath, caller: ReaderDep, svc: ServicesDep, limit: Limit = 1000
) -> TurnMetricsPage:
    """Each assistant turn's latencies (voice-to-voice and its stages), in turn order:
    the agent's `turn_metrics` events, as the console's latency chart reads them."""
    await svc.owners.admit(sessionId, caller, write=False)
    events = await svc.sessions.list_events(sessionId, limit)
    turns = {
        e["data"]["turnIndex"]: TurnMetrics.model_validate({**e["data"], "at": e["at"]})
        for e in events
        if e.get("type") == TURN_METRICS_EVENT
    }
    return TurnMetricsPage(items=[turns[i] for i in sorted(turns)])
