"""The realtime chain (``REALTIME_PROVIDERS``): provider names → models; several are wrapped
in livekit's ``RealtimeModelFallbackAdapter``, which moves a call to the next model when
one fails for good (the chat context goes along)."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Sequence

from livekit.agents import llm

from agent_app.providers.realtime import azure_openai, openai, voice_live
from agent_app.settings import AgentSettings

RealtimeBuilder = Callable[[AgentSettings], Awaitable[llm.RealtimeModel]]

REALTIME_BUILDERS: dict[str, RealtimeBuilder] = {
    "azure-openai": azure_openai.build,
    "voice-live": voice_live.build,
    "openai": openai.build,
}
REALTIME_PLUGINS: dict[str, str] = {
    "azure-openai": openai.PLUGIN,
    "voice-live": voice_live.PLUGIN,
    "openai": openai.PLUGIN,
}
"""The plugin module each provider needs imported on the main thread at start-up."""

SWAP_COOLDOWN_S = 60.0
"""How long a failed realtime model stays out of its chain."""


def import_realtime_plugins(settings: AgentSettings) -> list[str]:
    """Import the plugins the realtime chain names (main thread: plugins register there)."""
    modules = sorted({REALTIME_PLUGINS[name] for name in settings.realtime_providers or []})
    for module in modules:
        importlib.import_module(module)
    return modules


async def build_realtime(settings: AgentSettings, names: Sequence[str]) -> llm.RealtimeModel:
    """The chain ``names`` as one model (a fallback adapter when it has several links)."""
    if not names:
        raise ValueError("the realtime chain is empty")
    models = []
    for name in names:
        try:
            builder = REALTIME_BUILDERS[name]
        except KeyError:
            raise ValueError(f"no realtime provider named {name!r}") from None
        model = await builder(settings)
        # failovers and metrics name the provider, not the client class behind it
        model._label = f"realtime:{name}"
        models.append(model)
    if len(models) == 1:
        return models[0]
    # the call re-issues what a swap cut itself (``call/opening.py``): the adapter's own
    # re-issue would answer a swap during the opening twice
    return llm.RealtimeModelFallbackAdapter(
        models, cooldown=SWAP_COOLDOWN_S, regenerate_on_swap=False
    )
