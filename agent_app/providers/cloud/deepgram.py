"""Deepgram: streaming speech-to-text over its ``/v1/listen`` websocket.

``DEEPGRAM_BASE_URL`` is the listen endpoint itself (a gateway's, or a self-hosted
Deepgram's); ``http(s)`` becomes ``ws(s)`` in the plugin. The recognition language is
the conversation's (``AZURE_SPEECH_LANGUAGE``, or the tenant profile's ``language``).
"""

from __future__ import annotations

from typing import Any

from livekit.agents import stt

from agent_app.providers.cloud.auth import TokenProvider, secret
from agent_app.settings import AgentSettings

PLUGIN = "livekit.plugins.deepgram"


def missing_credentials(settings: AgentSettings) -> list[str]:
    return [] if secret(settings.deepgram_api_key) else ["DEEPGRAM_API_KEY"]


async def build_stt(settings: AgentSettings, tokens: TokenProvider | None) -> stt.STT[Any]:
    from livekit.plugins import deepgram as deepgram_plugin

    options: dict[str, Any] = {}
    if settings.deepgram_base_url:
        options["base_url"] = settings.deepgram_base_url
    return deepgram_plugin.STT(
        model=settings.deepgram_model,
        language=settings.azure_speech_language,
        api_key=secret(settings.deepgram_api_key) or "",
        **options,
    )
