"""Azure AI Speech: STT and TTS, by key, by Entra ID token, or a self-hosted container."""

from __future__ import annotations

from typing import Any

from livekit.agents import stt, tts

from agent_app.providers.cloud.auth import TokenProvider, azure_token_provider, secret
from agent_app.settings import AgentSettings

PLUGIN = "livekit.plugins.azure"


async def _auth_token(settings: AgentSettings, tokens: TokenProvider | None) -> str | None:
    """Entra ID token in the form Speech expects (``aad#{resourceId}#{token}``)."""
    if secret(settings.azure_speech_key) or not settings.azure_speech_resource_id:
        return None
    provider = tokens or azure_token_provider(settings)
    return f"aad#{settings.azure_speech_resource_id}#{await provider()}"


async def build_stt(settings: AgentSettings, tokens: TokenProvider | None) -> stt.STT[Any]:
    from livekit.plugins import azure as azure_plugin

    key = secret(settings.azure_speech_key)
    token = await _auth_token(settings, tokens)
    kwargs: dict[str, object] = {"language": settings.azure_speech_language}
    if settings.azure_speech_host:
        # a Speech container: the SDK talks to it directly, no credentials
        kwargs.update(speech_host=settings.azure_speech_host)
    elif settings.azure_speech_endpoint:
        if token:
            # the SDK takes a token with a region; an endpoint needs a key
            kwargs.update(speech_auth_token=token, speech_region=settings.azure_speech_region)
        else:
            kwargs.update(speech_endpoint=settings.azure_speech_endpoint, speech_key=key)
    elif token:
        kwargs.update(speech_auth_token=token, speech_region=settings.azure_speech_region)
    else:
        kwargs.update(speech_key=key, speech_region=settings.azure_speech_region)
    return azure_plugin.STT(**kwargs)  # type: ignore[arg-type]


async def build_tts(settings: AgentSettings, tokens: TokenProvider | None) -> tts.TTS[Any]:
    from livekit.plugins import azure as azure_plugin

    token = await _auth_token(settings, tokens)
    return azure_plugin.TTS(
        voice=settings.azure_speech_voice,
        language=settings.azure_speech_language,
        speech_key=secret(settings.azure_speech_key),
        speech_region=settings.azure_speech_region,
        speech_endpoint=settings.azure_speech_endpoint,
        speech_auth_token=token,
    )
