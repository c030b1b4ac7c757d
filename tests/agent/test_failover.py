"""Provider chains: the primary errors or stalls, the next provider serves the same turn."""

from __future__ import annotations

import asyncio
import time

from livekit.agents import AgentSession, RunResult, utils

from agent_app.call.assistant import ParleyAssistant
from agent_app.providers.chains import FailoverOptions, build_providers
from agent_app.settings import AgentSettings
from harness.agent_helpers import (
    collect_text,
    settings,
    speech_frames,
    user_says,
)
from harness.caller.voice import words
from harness.doubles import (
    AzureSpeechSTTServer,
    AzureTTSServer,
    Behaviour,
    OpenAIServer,
    serve,
)
from harness.doubles.audio_io import PacedMicrophone


async def _no_uploads() -> list[dict[str, object]]:
    return []


def _chain_settings(azure_url: str, openai_url: str, **extra: str) -> AgentSettings:
    return settings(
        azure_openai_endpoint=azure_url,
        azure_openai_deployment="dep",
        azure_openai_api_key="k",
        openai_base_url=f"{openai_url}/v1",
        **extra,
    )


async def test_llm_error_fails_over_within_the_same_turn() -> None:
    primary = OpenAIServer(behaviour=Behaviour(status=500))
    secondary = OpenAIServer(reply="Secondary answers.")
    async with serve(primary.app()) as p_url, serve(secondary.app()) as s_url:
        cfg = _chain_settings(p_url, s_url, llm_providers="azure-openai,openai,local")
        providers = await build_providers(cfg, vad_model=None)  # type: ignore[arg-type]
        async with AgentSession(llm=providers.llm) as session:
            await session.start(ParleyAssistant(instructions="x", list_uploads=_no_uploads))
            result: RunResult[None] = await session.run(user_input="hello?")
            reply = result.expect.next_event().is_message(role="assistant")
            assert reply.event().item.text_content == "Secondary answers."
        await providers.llm.aclose()
    assert len(primary.requests) >= 1 and len(secondary.requests) == 1


async def test_llm_timeout_fails_over() -> None:
    primary = OpenAIServer(behaviour=Behaviour(hang=True))
    secondary = OpenAIServer(reply="On time.")
    async with serve(primary.app()) as p_url, serve(secondary.app()) as s_url:
        cfg = _chain_settings(p_url, s_url, llm_providers="azure-openai,openai")
        providers = await build_providers(
            cfg,
            vad_model=None,  # type: ignore[arg-type]
            failover=FailoverOptions(llm_attempt_timeout=0.5),
        )
        started = time.monotonic()
        text, _ = await collect_text(providers.llm.chat(chat_ctx=user_says("hi")))
        elapsed = time.monotonic() - started
        primary.release()
        await providers.llm.aclose()
    assert text == "On time."
    assert elapsed < 5, "the stalled primary must be abandoned after its attempt timeout"


async def test_last_resort_is_the_offline_responder() -> None:
    primary = OpenAIServer(behaviour=Behaviour(status=503))
    async with serve(primary.app()) as url:
        cfg = settings(openai_base_url=f"{url}/v1", llm_providers="openai,local")
        providers = await build_providers(cfg, vad_model=None)  # type: ignore[arg-type]
        text, _ = await collect_text(providers.llm.chat(chat_ctx=user_says("bananas")))
        await providers.llm.aclose()
    assert "language model" in text and "bananas" not in text


async def test_stt_error_falls_back_to_the_local_recogniser() -> None:
    from livekit.agents import inference

    primary = OpenAIServer(behaviour=Behaviour(status=500))
    frames, _ = speech_frames("What did I upload?")
    async with serve(primary.app()) as url:
        cfg = settings(openai_base_url=f"{url}/v1", stt_providers="openai,local")
        providers = await build_providers(cfg, vad_model=inference.VAD())
        event = await providers.stt.recognize(utils.combine_frames(frames))
        await providers.stt.aclose()
    assert words(event.alternatives[0].text) == ["what", "did", "i", "upload"]
    assert primary.requests, "the primary was tried first"


async def test_tts_error_falls_back_to_the_next_voice(http_context: None) -> None:
    azure = AzureTTSServer(behaviour=Behaviour(status=500))
    openai = OpenAIServer()
    async with serve(azure.app()) as a_url, serve(openai.app()) as o_url:
        cfg = settings(
            azure_speech_endpoint=f"{a_url}/cognitiveservices/v1",
            azure_speech_key="k",
            openai_base_url=f"{o_url}/v1",
            tts_providers="azure,openai,local",
        )
        providers = await build_providers(cfg, vad_model=None)  # type: ignore[arg-type]
        frames = [ev.frame async for ev in providers.tts.synthesize("Still talking.")]
        await providers.tts.aclose()
    assert utils.combine_frames(frames).duration > 0.2
    assert azure.requests and openai.requests[0]["body"]["input"] == "Still talking."


async def test_azure_speech_outage_falls_back_while_streaming() -> None:
    """Azure refuses the connection; the chain marks it unavailable and the local Whisper
    transcribes what the user says next (audio in flight at the switch is the framework's
    loss, as with any streaming failover)."""
    from livekit.agents import inference
    from livekit.agents.stt import AvailabilityChangedEvent, SpeechEventType

    azure = AzureSpeechSTTServer(behaviour=Behaviour(status=503))
    speech, rate = speech_frames("Tell me the time.")
    async with serve(azure.app()) as url:
        cfg = settings(azure_speech_host=url.replace("http", "ws"), stt_providers="azure,local")
        providers = await build_providers(cfg, vad_model=inference.VAD())
        azure_down = asyncio.Event()

        def on_availability(event: AvailabilityChangedEvent) -> None:
            if not event.available:
                azure_down.set()

        providers.stt.on("stt_availability_changed", on_availability)
        mic = PacedMicrophone(rate, speed=4.0)
        stream = providers.stt.stream()

        async def feed() -> None:
            async for frame in mic:
                if azure_down.is_set() and not mic.speaking and speech:
                    mic.say(list(speech))
                    speech.clear()
                stream.push_frame(frame)

        async def first_final() -> str:
            async for event in stream:
                if event.type == SpeechEventType.FINAL_TRANSCRIPT and event.alternatives[0].text:
                    return event.alternatives[0].text
            raise AssertionError("stream ended")

        feeder = asyncio.create_task(feed())
        try:
            text = await asyncio.wait_for(first_final(), timeout=30)
        finally:
            feeder.cancel()
            await stream.aclose()
            await providers.stt.aclose()
    assert azure.connections, "Azure was tried first"
    assert words(text) == ["tell", "me", "the", "time"]
