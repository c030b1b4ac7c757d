"""ElevenLabs: streaming text-to-speech over its multi-context websocket
(``/v1/text-to-speech/{voice}/multi-stream-input``), raw 24 kHz PCM.

``ELEVENLABS_BASE_URL`` (default ``https://api.elevenlabs.io/v1``) points it at a gateway;
the key goes in ``xi-api-key``.
"""

from __future__ import annotations

from typing import Any, Final

import httpx
from livekit.agents import NOT_GIVEN, tts

from agent_app.providers.cloud.auth import TokenProvider, secret
from agent_app.providers.cloud.model_check import ModelCheck
from agent_app.settings import AgentSettings

PLUGIN = "livekit.plugins.elevenlabs"
DEFAULT_BASE_URL = "https://api.elevenlabs.io/v1"
ENCODING: Final = "pcm_24000"
"""Raw PCM: nothing to decode on the audio path (the plugin's default is MP3)."""


def missing_credentials(settings: AgentSettings) -> list[str]:
    return [] if secret(settings.elevenlabs_api_key) else ["ELEVENLABS_API_KEY"]


def model_check(settings: AgentSettings) -> ModelCheck:
    """``GET /v1/voices/{voice_id}``: the voice must exist for this key (an unknown one is
    answered 400 ``voice_not_found``)."""
    base = (settings.elevenlabs_base_url or DEFAULT_BASE_URL).rstrip("/")
    return ModelCheck(
        provider="ElevenLabs",
        setting="ELEVENLABS_VOICE_ID",
        model=settings.elevenlabs_voice_id,
        request=httpx.Request(
            "GET",
            f"{base}/voices/{settings.elevenlabs_voice_id}",
            headers={"xi-api-key": secret(settings.elevenlabs_api_key) or ""},
        ),
        key_setting="ELEVENLABS_API_KEY",
        missing=(400, 404),
    )


async def build_tts(settings: AgentSettings, tokens: TokenProvider | None) -> tts.TTS[Any]:
    from livekit.plugins import elevenlabs as elevenlabs_plugin

    return elevenlabs_plugin.TTS(
        voice_id=settings.elevenlabs_voice_id,
        model=settings.elevenlabs_model,
        encoding=ENCODING,
        api_key=secret(settings.elevenlabs_api_key) or NOT_GIVEN,
        base_url=settings.elevenlabs_base_url or NOT_GIVEN,
    )
