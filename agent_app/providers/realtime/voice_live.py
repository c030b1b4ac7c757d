"""Azure AI Voice Live (the Voice Live SDK, beta event names): an API key when set, else
managed identity; the SDK asks the credential for a token on every connection, scope
``https://ai.azure.com/.default``."""

from __future__ import annotations

from livekit.agents import llm

from agent_app.providers.cloud.auth import secret
from agent_app.providers.realtime.openai import connect_options
from agent_app.settings import AgentSettings

PLUGIN = "livekit.plugins.azure.realtime"


async def build(settings: AgentSettings) -> llm.RealtimeModel:
    if not settings.azure_voice_live_endpoint:
        raise ValueError("REALTIME_PROVIDERS names voice-live: set AZURE_VOICE_LIVE_ENDPOINT")
    from azure.ai.voicelive.models import AudioInputTranscriptionOptions
    from livekit.plugins.azure import realtime

    key = secret(settings.azure_voice_live_api_key)
    return realtime.RealtimeModel(
        endpoint=settings.azure_voice_live_endpoint,
        model=settings.azure_voice_live_model,
        voice=settings.realtime_voice or realtime.realtime_model.DEFAULT_VOICE,
        # the plugin would pick whisper-1 for gpt-realtime; Voice Live names its own models
        # (gpt-4o-transcribe, gpt-4o-mini-transcribe, azure-speech, whisper-1), no deployment
        input_audio_transcription=AudioInputTranscriptionOptions(
            model=settings.realtime_transcription_model
        ),
        api_key=key,
        # DefaultAzureCredential finds the user-assigned identity through AZURE_CLIENT_ID
        use_default_credential=key is None,
        conn_options=connect_options(settings),
    )
