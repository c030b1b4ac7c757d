"""Realtime speech-to-speech in process: each client against the realtime double, which
hears with Whisper, decides with the offline responder and speaks with Piper."""

from __future__ import annotations

from typing import Any

import pytest

from agent_app.providers.realtime import azure_openai
from agent_app.providers.realtime.chain import build_realtime
from harness.caller.voice import word_accuracy
from harness.doubles import FakeParleyApi, serve
from harness.doubles.realtime import RealtimeServer
from harness.realtime_helpers import realtime_call, realtime_settings
from harness.waiting import wait_for

CLIENTS = {
    # client: (chain, extra settings, the path it connects to, the event names it is sent)
    "openai": ("openai", {}, "/v1/realtime", "ga"),
    "azure-openai": ("azure-openai", {}, "/openai/v1/realtime", "ga"),
    "azure-openai-preview": (
        "azure-openai",
        {"azure_openai_realtime_api_version": "2024-10-01-preview"},
        "/openai/realtime",
        "beta",
    ),
    "voice-live": ("voice-live", {}, "/voice-live/realtime", "beta"),
}
SENTENCE = "The train to the city was late again this morning."


@pytest.mark.parametrize("client", CLIENTS)
async def test_each_client_holds_a_spoken_turn(client: str, http_context: None) -> None:
    chain, extra, path, dialect = CLIENTS[client]
    server, api = RealtimeServer(), FakeParleyApi()
    async with serve(server.app()) as url, serve(api.app()) as api_url:
        async with realtime_call(api_url, realtime_settings(url, chain, **extra)) as call:
            reply = await call.turn(SENTENCE)
            await wait_for(lambda: call.speaker.seconds > 1.0, 20, "the reply's audio")
            assert not call.parley.session.fell_back
            # the server's VAD hears the caller: no local VAD runs on a realtime call
            assert call.parley.session.vad is None
        heard = call.said("user")
    assert word_accuracy([(SENTENCE, " ".join(heard))]) >= 0.8, heard
    assert "language model" in reply  # the responder's answer, spoken by the double
    roles = sorted(s["role"] for s in api.segments.values())
    assert roles.count("user") >= 1 and roles.count("assistant") >= 1, api.segments
    assert [(r["path"], r["dialect"]) for r in server.requests] == [(path, dialect)]
    # per-turn metrics: end of speech to first audio, and the model's own time to first audio
    turns = [e["data"] for e in api.events.values() if e["type"] == "turn_metrics"]
    assert any("e2eLatency" in t and "llmTtft" in t for t in turns), turns


async def test_a_tool_call_round_trip(http_context: None) -> None:
    server, api = RealtimeServer(), FakeParleyApi()
    async with serve(server.app()) as url, serve(api.app()) as api_url:
        async with realtime_call(api_url, realtime_settings(url, "openai")) as call:
            reply = await call.turn("What time is it right now?")
    # the double asked for the clock, the agent ran it and sent its output back, then the
    # double answered from that output
    assert "UTC" in reply, reply
    created = [e for e in server.received if e in ("conversation.item.create", "response.create")]
    assert created[-2:] == ["conversation.item.create", "response.create"], server.received


async def test_a_failed_realtime_model_hands_the_call_to_the_next_one(http_context: None) -> None:
    refused, standby, api = (
        RealtimeServer(error_code="invalid_api_key"),
        RealtimeServer(),
        FakeParleyApi(),
    )
    async with serve(refused.app()) as bad, serve(standby.app()) as good:
        async with serve(api.app()) as api_url:
            cfg = realtime_settings(good, "openai,voice-live", openai_realtime_base_url=f"{bad}/v1")
            async with realtime_call(api_url, cfg) as call:
                # the opening, issued before the first model has failed, comes from the next
                call.parley.greet()
                await wait_for(lambda: bool(call.said("assistant")), 60, "the greeting")
                greeting = call.said("assistant")[0]
                reply = await call.turn(SENTENCE)
                assert not call.parley.session.fell_back
    assert greeting.strip() and "language model" in reply, call.messages
    assert [r["path"] for r in standby.requests] == ["/voice-live/realtime"]
    failovers = [e for e in api.events.values() if e["type"] == "provider_failover"]
    assert [(f["data"]["stage"], f["data"]["provider"]) for f in failovers] == [
        ("realtime", "realtime:openai")
    ], api.events


async def test_when_every_realtime_model_is_gone_the_cascade_takes_the_call(
    http_context: None,
) -> None:
    server, api = RealtimeServer(), FakeParleyApi()
    async with serve(server.app()) as url, serve(api.app()) as api_url:
        async with realtime_call(api_url, realtime_settings(url, "azure-openai")) as call:
            first = await call.turn(SENTENCE)
            await server.go_down()
            await wait_for(lambda: call.parley.session.fell_back, 30, "the hand-over")
            assert call.parley.agent is not None and call.parley.agent.vad is not None
            second = await call.turn("What time is it right now?")
            await wait_for(lambda: len(api.segments) >= 4, 10, "four segments delivered")
    assert "language model" in first and "UTC" in second
    roles = [s["role"] for s in sorted(api.segments.values(), key=lambda s: s["id"])]
    assert roles == ["user", "assistant", "user", "assistant"], api.segments
    failovers = [e["data"] for e in api.events.values() if e["type"] == "provider_failover"]
    assert failovers and failovers[-1]["to"] == "cascaded", api.events


async def test_managed_identity_brings_a_fresh_token_to_every_connection(
    http_context: None,
) -> None:
    issued: list[str] = []

    async def tokens() -> str:
        issued.append(f"token-{len(issued) + 1}")
        return issued[-1]

    server = RealtimeServer()
    async with serve(server.app()) as url:
        cfg = realtime_settings(url, "azure-openai", azure_openai_api_key=None)
        model = await azure_openai.build(cfg, tokens)
        session = model.session()
        try:
            await wait_for(lambda: len(server.requests) == 1, 10, "the first connection")
            await server.drop_connections()  # the client reconnects, as it does every 20 min
            await wait_for(lambda: len(server.requests) == 2, 10, "the reconnection")
        finally:
            await session.aclose()
    auth = [r["headers"].get("Authorization") for r in server.requests]
    assert auth == ["Bearer token-1", "Bearer token-2"]
    assert all("api-key" not in r["headers"] for r in server.requests)


def _transcription_model(session: dict[str, Any]) -> str | None:
    """The input transcription model a ``session.update`` names (GA nests it under
    ``audio.input.transcription``; the beta API, Voice Live's, keeps it flat)."""
    ga = ((session.get("audio") or {}).get("input") or {}).get("transcription")
    options = ga or session.get("input_audio_transcription") or {}
    model = options.get("model")
    return str(model) if model is not None else None


@pytest.mark.parametrize("client", ["openai", "azure-openai", "voice-live"])
async def test_each_client_asks_for_the_configured_transcription_model(
    client: str, http_context: None
) -> None:
    server = RealtimeServer()
    async with serve(server.app()) as url:
        cfg = realtime_settings(url, client, realtime_transcription_model="gpt-4o-transcribe")
        session = (await build_realtime(cfg, [client])).session()
        try:
            await wait_for(lambda: bool(server.session_updates), 15, "the session.update")
        finally:
            await session.aclose()
    named = {_transcription_model(update) for update in server.session_updates} - {None}
    assert named == {"gpt-4o-transcribe"}, server.session_updates
