"""The models a plan's pipeline runs on, one builder per pipeline."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from livekit.agents import vad

from agent_app.call.plan import CallPlan, Pipeline
from agent_app.providers.chains import Providers, build_providers


async def cascaded(plan: CallPlan, vad_model: vad.VAD) -> Providers:
    """STT → LLM → TTS, each the chain the plan names (failover within each)."""
    return await build_providers(plan.settings, vad_model)


BUILDERS: dict[Pipeline, Callable[[CallPlan, vad.VAD], Awaitable[Providers]]] = {
    "cascaded": cascaded,
}


async def build_pipeline(plan: CallPlan, vad_model: vad.VAD) -> Providers:
    """The models for ``plan``'s pipeline."""
    return await BUILDERS[plan.pipeline](plan, vad_model)
