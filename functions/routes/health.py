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


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
async def health(request: Request) -> JSONResponse:
    """200 when every dependency answers, 503 (same body) when one does not."""
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
    ok = all(d.status == "ok" for d in deps.values())
    body = Health(status="ok" if ok else "degraded", version=VERSION, dependencies=deps)
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)
