"""`GET /api/metrics/agents`: how many calls are live, for scaling the agent workers."""

from __future__ import annotations

from fastapi import APIRouter

from functions.models import AgentMetrics
from functions.routes.deps import IntegratorOrAgentDep, ServicesDep
from functions.routes.errors import ERROR_RESPONSES, ApiError

router = APIRouter(tags=["metrics"])


@router.get("/metrics/agents", response_model=AgentMetrics, responses=ERROR_RESPONSES)
async def agent_metrics(_: IntegratorOrAgentDep, svc: ServicesDep) -> AgentMetrics:
    """Live calls, counted by the LiveKit server itself (not from webhooks, which a lost
    ``room_finished`` would leave stale). KEDA polls this with the agent key."""
    try:
        active, rooms = await svc.livekit.room_occupancy()
    except Exception:
        raise ApiError(503, "livekit_unavailable", "The LiveKit server is not reachable.") from None
    return AgentMetrics(activeSessions=active, rooms=rooms)
