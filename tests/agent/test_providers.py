"""Cloud providers driven by their real SDKs against local servers speaking their protocols."""

from __future__ import annotations

from typing import Any

import pytest
from livekit.agents import llm as lk_llm
from livekit.agents import utils

from agent_app.providers.chains import build_llm, build_stt, build_tts
from agent_app.settings import AgentSettings
from harness.agent_helpers import (
    collect_text,
    final_transcripts,
    settings,
    speech_frames,
    user_says,
)
from harness.doubles import AzureSpeechSTTServer, AzureTTSServer, OpenAIServer, serve


async def _answer(cfg: AgentSettings, provider: str, prompt: str, **options: Any) -> str:
    """The whole streamed reply of ``provider``'s LLM to ``prompt``."""
    model = await build_llm(cfg, provider, **options)
    try:
        text, _ = await collect_text(model.chat(chat_ctx=user_says(prompt)))
    finally:
        await model.aclose()
    return text


async def test_openai_llm_streams_chat_completions() -> None:
    fake = OpenAIServer(reply="The sky is blue today.")
    async with serve(fake.app()) as url:
        cfg = settings(openai_base_url=f"{url}/v1", openai_api_key="sk-test", openai_llm_model="m1")
        text = await _answer(cfg, "openai", "sky?")
    assert text == "The sky is blue today."
    request = fake.requests[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["body"]["stream"] is True and request["body"]["model"] == "m1"
    assert request["headers"]["Authorization"] == "Bearer sk-test"


async def test_openai_llm_tool_calls_arrive_as_function_calls() -> None:
    fake = OpenAIServer(tool_call={"name": "get_current_time", "arguments": {}})
    async with serve(fake.app()) as url:
        model = await build_llm(settings(openai_base_url=f"{url}/v1"), "openai")

        @lk_llm.function_tool
        async def get_current_time() -> str:
            """Time."""
            return "now"

        stream = model.chat(chat_ctx=user_says("time?"), tools=[get_current_time])
        _, calls = await collect_text(stream)
        await model.aclose()
    assert [c.name for c in calls] == ["get_current_time"]
    assert fake.requests[0]["body"]["tools"][0]["function"]["name"] == "get_current_time"


async def test_azure_openai_uses_deployment_urls_and_api_key() -> None:
    fake = OpenAIServer(reply="From Azure.")
    async with serve(fake.app()) as url:
        cfg = settings(
            azure_openai_endpoint=url,
            azure_openai_deployment="chat-dep",
            azure_openai_api_version="2024-10-21",
            azure_openai_api_key="az-key",
        )
        text = await _answer(cfg, "azure-openai", "hi")
    assert text == "From Azure."
    request = fake.requests[0]
    assert request["path"] == "/openai/deployments/chat-dep/chat/completions"
    assert request["query"]["api-version"] == "2024-10-21"
    assert request["headers"]["api-key"] == "az-key"


async def test_azure_openai_without_a_key_sends_managed_identity_tokens() -> None:
    fake = OpenAIServer(reply="Keyless.")

    async def token() -> str:
        return "entra-token"

    async with serve(fake.app()) as url:
        cfg = settings(azure_openai_endpoint=url, azure_openai_deployment="dep")
        text = await _answer(cfg, "azure-openai", "hi", tokens=token)
    assert text == "Keyless."
    assert fake.requests[0]["headers"]["Authorization"] == "Bearer entra-token"
    assert "api-key" not in fake.requests[0]["headers"]


async def test_openai_stt_posts_audio_to_transcriptions() -> None:
    fake = OpenAIServer(transcript="what time is it")
    frames, _ = speech_frames("what time is it")
    async with serve(fake.app()) as url:
        stt = await build_stt(settings(openai_base_url=f"{url}/v1"), "openai")
        event = await stt.recognize(frames)
        await stt.aclose()
    assert event.alternatives[0].text == "what time is it"
    assert fake.requests[0]["path"] == "/v1/audio/transcriptions"
    assert fake.requests[0]["body"]["bytes"] > 1000


async def test_openai_tts_streams_pcm_from_speech() -> None:
    fake = OpenAIServer()
    async with serve(fake.app()) as url:
        tts = await build_tts(
            settings(openai_base_url=f"{url}/v1", openai_tts_voice="nova"), "openai"
        )
        frames = [ev.frame async for ev in tts.synthesize("Hello there.")]
        await tts.aclose()
    audio = utils.combine_frames(frames)
    assert audio.duration == pytest.approx(0.3, abs=0.05)
    body = fake.requests[0]["body"]
    assert fake.requests[0]["path"] == "/v1/audio/speech"
    assert body["input"] == "Hello there." and body["voice"] == "nova"
    assert body["response_format"] == "pcm"


async def test_azure_tts_posts_ssml_to_the_speech_endpoint(http_context: None) -> None:
    fake = AzureTTSServer()
    async with serve(fake.app()) as url:
        cfg = settings(
            azure_speech_endpoint=f"{url}/cognitiveservices/v1",
            azure_speech_key="speech-key",
            azure_speech_voice="en-GB-SoniaNeural",
        )
        tts = await build_tts(cfg, "azure")
        frames = [ev.frame async for ev in tts.synthesize("Good morning.")]
        await tts.aclose()
    assert utils.combine_frames(frames).duration == pytest.approx(0.3, abs=0.05)
    request = fake.requests[0]
    assert request["headers"]["Ocp-Apim-Subscription-Key"] == "speech-key"
    assert "raw-24khz-16bit-mono-pcm" in request["headers"]["X-Microsoft-OutputFormat"]
    assert 'name="en-GB-SoniaNeural"' in request["ssml"] and "Good morning." in request["ssml"]


async def test_azure_stt_speaks_usp_to_a_speech_host() -> None:
    """The real Speech SDK (native) streams audio over its websocket protocol."""
    fake = AzureSpeechSTTServer(transcript="Tell me the time.")
    frames, _ = speech_frames("tell me the time")
    async with serve(fake.app()) as url:
        cfg = settings(azure_speech_host=url.replace("http", "ws"), azure_speech_language="en-GB")
        stt = await build_stt(cfg, "azure")
        finals = await final_transcripts(stt, frames)
        await stt.aclose()
    assert finals == ["Tell me the time."]
    assert fake.connections[0]["query"]["language"] == "en-GB"
    assert fake.connections[0]["headers"]["Sec-WebSocket-Protocol"] == "USP"
    assert fake.audio_bytes > 10_000
