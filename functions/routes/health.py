"""`GET /api/health`: the API and the state of each dependency."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from functions.models import DependencyState, Health
from functions.services import ServiceHolder, Services

router = APIRouter(tags=["health"])
VERSION = "0.1.0"
CHECK_TIMEOUT_SECONDS = 3.0


async def _probe(check: Callable[[], Awaitable[object]]) -> DependencyState:
    try:
        await asyncio.wait_for(check(), CHECK_TIMEOUT_SECONDS)
    except TimeoutError:
        return DependencyState(status="error", detail="timed out")
    except Exception as exc:  # report the kind of failure, never its (possibly secret) text
        return DependencyState(status="error", detail=type(exc).__name__)
    return DependencyState(status="ok")


# The API serves (tokens, sessions, transcripts, uploads) when these answer; LiveKit being
# down only stops new calls' agent dispatch and data messages, so it is reported, not fatal.
REQUIRED = ("storage", "cosmos", "blob")


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
async def health(request: Request) -> JSONResponse:
    """200 when the API can serve (Cosmos and Blob answer), 503 (same body) when it cannot.
    LiveKit's state is reported beside them and never fails the check: `status` is
    `degraded` while any dependency, LiveKit included, does not answer."""
    holder: ServiceHolder = request.app.state.services
    deps: dict[str, DependencyState] = {}
    svc: Services | None = None
    try:
        svc = await asyncio.wait_for(holder.get(), CHECK_TIMEOUT_SECONDS * 2)
    except Exception as exc:
        deps["storage"] = DependencyState(status="error", detail=type(exc).__name__)
    if svc is not None:
        cosmos, blobs, livekit = await asyncio.gather(
            _probe(svc.cosmos.sessions.read),
            _probe(svc.blob_service.get_service_properties)
            if svc.settings.storage_connection_string is not None
            else _probe(
                svc.blob_service.get_container_client(svc.settings.uploads_container).exists
            ),
            _probe(svc.livekit.ping),
        )
        deps.update(cosmos=cosmos, blob=blobs, livekit=livekit)
    serving = all(d.status == "ok" for name, d in deps.items() if name in REQUIRED)
    healthy = all(d.status == "ok" for d in deps.values())
    body = Health(status="ok" if healthy else "degraded", version=VERSION, dependencies=deps)
    return JSONResponse(body.model_dump(), status_code=200 if serving else 503)
