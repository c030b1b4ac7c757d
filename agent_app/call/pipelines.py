"""The models a plan's pipeline runs on, one builder per pipeline."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from livekit.agents import llm, vad

from agent_app.call.plan import CallPlan, Pipeline
from agent_app.providers.chains import Providers, build_providers
from agent_app.providers.realtime.chain import build_realtime

logger = logging.getLogger("parley.agent.pipelines")


@dataclass
class CallModels:
    """What a call speaks with: the cascade, and the realtime model in front of it if any."""

    cascade: Providers
    """STT → LLM → TTS: the whole call, or a realtime call's fallback (and its ``say``)."""
    realtime: llm.RealtimeModel | None = None
    """The speech-to-speech model (possibly a fallback adapter) the call starts on."""


async def cascaded(plan: CallPlan, vad_model: vad.VAD) -> CallModels:
    """STT → LLM → TTS, each the chain the plan names (failover within each)."""
    return CallModels(await build_providers(plan.settings, vad_model))


async def realtime(plan: CallPlan, vad_model: vad.VAD) -> CallModels:
    """The realtime chain, with the cascade behind it; a chain that cannot even be built
    (a missing endpoint, a plugin not loaded at start-up) leaves the call on the cascade."""
    cascade = await build_providers(plan.settings, vad_model)
    try:
        model = await build_realtime(plan.settings, plan.realtime)
    except Exception as e:
        logger.error(
            "realtime chain unavailable, the call runs on the cascade",
            extra={"chain": list(plan.realtime), "error": str(e)},
        )
        return CallModels(cascade)
    return CallModels(cascade, model)


BUILDERS: dict[Pipeline, Callable[[CallPlan, vad.VAD], Awaitable[CallModels]]] = {
    "cascaded": cascaded,
    "realtime": realtime,
}


async def build_pipeline(plan: CallPlan, vad_model: vad.VAD) -> CallModels:
    """The models for ``plan``'s pipeline."""
    return await BUILDERS[plan.pipeline](plan, vad_model)
