"""OpenAI (and any OpenAI-compatible server) and Azure OpenAI: STT, LLM and TTS."""

from __future__ import annotations

from typing import Any

from livekit.agents import NOT_GIVEN, llm, stt, tts

from agent_app.providers.cloud.auth import TokenProvider, azure_token_provider, secret
from agent_app.settings import AgentSettings

PLUGIN = "livekit.plugins.openai"


def _key(settings: AgentSettings) -> str:
    # OpenAI-compatible local servers often need no key, but the client requires one
    return secret(settings.openai_api_key) or "unused"


async def build_stt(settings: AgentSettings, tokens: TokenProvider | None) -> stt.STT[Any]:
    from livekit.plugins import openai as openai_plugin

    return openai_plugin.STT(
        model=settings.openai_stt_model,
        base_url=settings.openai_base_url or NOT_GIVEN,
        api_key=_key(settings),
        use_realtime=False,
    )


async def build_llm(settings: AgentSettings, tokens: TokenProvider | None) -> llm.LLM[Any]:
    from livekit.plugins import openai as openai_plugin

    return openai_plugin.LLM(
        model=settings.openai_llm_model,
        base_url=settings.openai_base_url or NOT_GIVEN,
        api_key=_key(settings),
        max_retries=0,
    )


async def build_azure_llm(settings: AgentSettings, tokens: TokenProvider | None) -> llm.LLM[Any]:
    """Azure OpenAI: the API key when set, else managed-identity tokens."""
    from livekit.plugins import openai as openai_plugin

    key = secret(settings.azure_openai_api_key)
    return openai_plugin.LLM.with_azure(
        model=settings.azure_openai_deployment or "gpt-4o-mini",
        azure_endpoint=settings.azure_openai_endpoint,
        azure_deployment=settings.azure_openai_deployment,
        api_version=settings.azure_openai_api_version,
        api_key=key,
        azure_ad_token_provider=None if key else (tokens or azure_token_provider(settings)),
    )


async def build_tts(settings: AgentSettings, tokens: TokenProvider | None) -> tts.TTS[Any]:
    from livekit.plugins import openai as openai_plugin

    return openai_plugin.TTS(
        model=settings.openai_tts_model,
        voice=settings.openai_tts_voice,
        base_url=settings.openai_base_url or NOT_GIVEN,
        api_key=_key(settings),
        response_format="pcm",
    )
