"""gpt-realtime on Azure OpenAI: an API key when set, else managed-identity tokens that are
fetched again for every (re)connection, so a call outlives any one token."""

from __future__ import annotations

from livekit.agents import llm

from agent_app.providers.cloud.auth import TokenProvider, azure_token_provider, secret
from agent_app.providers.realtime.openai import common_options
from agent_app.settings import AgentSettings


async def build(settings: AgentSettings, tokens: TokenProvider | None = None) -> llm.RealtimeModel:
    if not (settings.azure_openai_endpoint and settings.azure_openai_realtime_deployment):
        raise ValueError(
            "REALTIME_PROVIDERS names azure-openai: set AZURE_OPENAI_ENDPOINT and "
            "AZURE_OPENAI_REALTIME_DEPLOYMENT"
        )
    from agent_app.providers.realtime.client import EntraRealtimeModel, RealtimeModel

    key = secret(settings.azure_openai_api_key)
    options = {
        "azure_deployment": settings.azure_openai_realtime_deployment,
        # None: the GA path /openai/v1/realtime; a version: /openai/realtime?api-version=
        "api_version": settings.azure_openai_realtime_api_version,
        "base_url": f"{settings.azure_openai_endpoint.rstrip('/')}/openai",
        **common_options(settings),
    }
    if key:
        return RealtimeModel(api_key=key, **options)
    return EntraRealtimeModel(tokens=tokens or azure_token_provider(settings), **options)
