"""Deepgram, ElevenLabs and Polly through their real plugins against local servers that
speak each one's wire protocol and really recognise or synthesise speech: what the service
checks (key, model, voice, SigV4), and the words surviving the round trip."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pytest
from livekit import rtc
from livekit.agents import APIConnectionError, APIConnectOptions, APIStatusError, tts, utils

from agent_app.providers.chains import build_stt, build_tts
from agent_app.settings import AgentSettings
from harness.agent_helpers import final_transcripts, settings
from harness.caller import voice
from harness.doubles import DeepgramServer, ElevenLabsServer, PollyServer, engines, serve
from harness.doubles.aws import ACCESS_KEY_ID, SECRET_ACCESS_KEY

SENTENCE = voice.OPEN_SENTENCES[6]  # "We need to buy bread, cheese and some fresh vegetables."
NO_RETRY = APIConnectOptions(max_retry=0, timeout=10)


def _deepgram(url: str, **overrides: Any) -> AgentSettings:
    return settings(
        **{
            "deepgram_base_url": f"{url}/v1/listen",
            "deepgram_api_key": "deepgram-test-key",
            **overrides,
        }
    )


def _elevenlabs(url: str, **overrides: Any) -> AgentSettings:
    return settings(
        **{
            "elevenlabs_base_url": f"{url}/v1",
            "elevenlabs_api_key": "elevenlabs-test-key",
            **overrides,
        }
    )


def _polly(url: str, **overrides: Any) -> AgentSettings:
    return settings(
        **{
            "aws_access_key_id": ACCESS_KEY_ID,
            "aws_secret_access_key": SECRET_ACCESS_KEY,
            "aws_endpoint_url_polly": url,
            **overrides,
        }
    )


def _heard(frames: list[rtc.AudioFrame]) -> str:
    audio = utils.combine_frames(frames)
    pcm = np.frombuffer(bytes(audio.data), dtype=np.int16)
    return engines.text_of(engines.resample(pcm, audio.sample_rate, engines.WHISPER_RATE))


async def test_deepgram_recognises_speech_in_noise_over_its_websocket(http_context: None) -> None:
    fake = DeepgramServer()
    frames = voice.caller_frames(SENTENCE, snr_db=15)
    async with serve(fake.app()) as url:
        stt = await build_stt(_deepgram(url, azure_speech_language="en-GB"), "deepgram")
        finals = await final_transcripts(stt, frames)
        await stt.aclose()
    assert voice.word_accuracy([(SENTENCE, " ".join(finals))]) >= 0.8, finals
    request = fake.requests[0]
    assert request["path"] == "/v1/listen"
    assert request["headers"]["Authorization"] == "Token deepgram-test-key"
    query = request["query"]
    assert (query["model"], query["encoding"], query["language"]) == ("nova-3", "linear16", "en-GB")
    assert query["sample_rate"] == "16000"


async def test_deepgram_refuses_a_wrong_key_at_the_handshake(http_context: None) -> None:
    fake = DeepgramServer()
    async with serve(fake.app()) as url:
        stt = await build_stt(_deepgram(url, deepgram_api_key="wrong"), "deepgram")
        stream = stt.stream(conn_options=NO_RETRY)
        stream.push_frame(voice.caller_frames("hello")[0])
        with pytest.raises(APIStatusError) as refused:
            async for _ in stream:
                pass
        await stream.aclose()
        await stt.aclose()
    assert refused.value.status_code == 401


async def _spoken(engine: tts.TTS[Any], text: str) -> list[rtc.AudioFrame]:
    stream = engine.stream()
    stream.push_text(text)
    stream.end_input()
    async with stream:
        return [event.frame async for event in stream]


async def test_elevenlabs_speaks_each_context_on_one_socket(http_context: None) -> None:
    fake = ElevenLabsServer()
    first, second = "Please close the kitchen window.", "The library opens at nine tomorrow."
    async with serve(fake.app()) as url:
        engine = await build_tts(_elevenlabs(url), "elevenlabs")
        one, two = await asyncio.gather(_spoken(engine, first), _spoken(engine, second))
        await engine.aclose()
    assert "kitchen window" in (await asyncio.to_thread(_heard, one)).lower()
    assert "library" in (await asyncio.to_thread(_heard, two)).lower()
    sockets = [r for r in fake.requests if r["path"].endswith("/multi-stream-input")]
    assert len(sockets) == 1, "both contexts share one websocket"
    assert len({context for context, _ in fake.spoken}) == 2
    request = sockets[0]
    assert request["path"] == "/v1/text-to-speech/hpp4J3VqNfWAUOO0d1Us/multi-stream-input"
    assert request["headers"]["xi-api-key"] == "elevenlabs-test-key"
    assert request["query"]["output_format"] == "pcm_24000"
    assert request["query"]["model_id"] == "eleven_turbo_v2_5"


async def test_elevenlabs_refuses_a_wrong_key(http_context: None) -> None:
    fake = ElevenLabsServer()
    async with serve(fake.app()) as url:
        engine = await build_tts(_elevenlabs(url, elevenlabs_api_key="wrong"), "elevenlabs")
        stream = engine.stream(conn_options=NO_RETRY)
        stream.push_text("Hello there.")
        stream.end_input()
        with pytest.raises(APIStatusError) as refused:
            async with stream:
                async for _ in stream:
                    pass
        await engine.aclose()
    assert refused.value.status_code == 401


async def test_polly_returns_speech_as_mp3_to_a_signed_request(http_context: None) -> None:
    fake = PollyServer()
    async with serve(fake.app()) as url:
        engine = await build_tts(_polly(url, aws_polly_voice="Joanna"), "aws")
        frames = [event.frame async for event in engine.synthesize(SENTENCE)]
        await engine.aclose()
    heard = await asyncio.to_thread(_heard, frames)
    assert voice.word_accuracy([(SENTENCE, heard)]) >= 0.8, heard
    request = fake.requests[0]
    assert request["path"] == "/v1/speech"
    assert request["body"]["VoiceId"] == "Joanna" and request["body"]["OutputFormat"] == "mp3"
    scope = request["headers"]["Authorization"].split("Credential=")[1].split(",")[0]
    assert scope.endswith("/us-east-1/polly/aws4_request")


async def test_polly_refuses_a_forged_signature(http_context: None) -> None:
    fake = PollyServer()
    async with serve(fake.app()) as url:
        engine = await build_tts(_polly(url, aws_secret_access_key="forged"), "aws")
        with pytest.raises(APIConnectionError) as refused:
            async for _ in engine.synthesize("Hello.", conn_options=NO_RETRY):
                pass
        await engine.aclose()
    assert "InvalidSignatureException" in repr(refused.value.__cause__)
