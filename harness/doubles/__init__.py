"""Test doubles: local servers that speak the cloud providers' and the Parley API's wire
protocols, one module per protocol on a shared base (``base``), and in-process audio I/O
for an AgentSession (``audio_io``). The servers are re-exported here."""

from harness.doubles.anthropic import AnthropicServer
from harness.doubles.aws import BedrockServer, PollyServer
from harness.doubles.azure_speech import AzureSpeechSTTServer, AzureTTSServer
from harness.doubles.base import Behaviour, WireServer, application, serve, tone_pcm
from harness.doubles.deepgram import DeepgramServer
from harness.doubles.elevenlabs import ElevenLabsServer
from harness.doubles.gemini import GeminiServer
from harness.doubles.openai import OpenAIServer
from harness.doubles.parley_api import FakeParleyApi

__all__ = [
    "AnthropicServer",
    "AzureSpeechSTTServer",
    "AzureTTSServer",
    "BedrockServer",
    "Behaviour",
    "DeepgramServer",
    "ElevenLabsServer",
    "FakeParleyApi",
    "GeminiServer",
    "OpenAIServer",
    "PollyServer",
    "WireServer",
    "application",
    "serve",
    "tone_pcm",
]
