"""OpenAI's realtime API (or any server speaking it, with GA event names)."""

from __future__ import annotations

from typing import Any

from livekit.agents import APIConnectOptions, llm

from agent_app.providers.cloud.auth import secret
from agent_app.settings import AgentSettings

PLUGIN = "livekit.plugins.openai"
SILENCE_MS = 500
"""Server VAD: the silence that ends the caller's turn."""


def connect_options(settings: AgentSettings) -> APIConnectOptions:
    """How often one realtime model reconnects before its chain gives up on it."""
    return APIConnectOptions(max_retry=settings.realtime_connect_retries, retry_interval=0.5)


def common_options(settings: AgentSettings) -> dict[str, Any]:
    """What the OpenAI and Azure OpenAI modes share: voice, transcription, server VAD."""
    from livekit.plugins.openai.realtime import realtime_model
    from openai.types.realtime import AudioTranscription
    from openai.types.realtime.realtime_audio_input_turn_detection import ServerVad

    return {
        "voice": settings.realtime_voice or realtime_model.DEFAULT_VOICE,
        "input_audio_transcription": AudioTranscription(
            model=settings.realtime_transcription_model
        ),
        # the server detects turns and barge-in: the audio never waits on a local model
        "turn_detection": ServerVad(
            type="server_vad",
            silence_duration_ms=SILENCE_MS,
            create_response=True,
            interrupt_response=True,
        ),
        "conn_options": connect_options(settings),
    }


async def build(settings: AgentSettings) -> llm.RealtimeModel:
    from livekit.plugins.openai.realtime import realtime_model

    from agent_app.providers.realtime.client import RealtimeModel

    base_url = settings.openai_realtime_base_url or settings.openai_base_url
    return RealtimeModel(
        model=settings.openai_realtime_model,
        base_url=base_url or realtime_model.OPENAI_BASE_URL,
        # a local server often needs no key, but the client requires one
        api_key=secret(settings.openai_api_key) or "unused",
        **common_options(settings),
    )
