"""Realtime speech-to-speech in process: each client against the realtime double, which
hears with Whisper, decides with the offline responder and speaks with Piper."""

from __future__ import annotations

import pytest

from harness.caller.voice import word_accuracy
from harness.doubles import FakeParleyApi, serve
from harness.doubles.realtime import RealtimeServer
from harness.realtime_helpers import realtime_call, realtime_settings
from harness.waiting import wait_for

PATHS = {
    "openai": "/v1/realtime",
    "azure-openai": "/openai/v1/realtime",
    "voice-live": "/voice-live/realtime",
}
SENTENCE = "The train to the city was late again this morning."


@pytest.mark.parametrize("chain", ["openai", "azure-openai", "voice-live"])
async def test_each_client_holds_a_spoken_turn(chain: str, http_context: None) -> None:
    server, api = RealtimeServer(), FakeParleyApi()
    async with serve(server.app()) as url, serve(api.app()) as api_url:
        async with realtime_call(api_url, realtime_settings(url, chain)) as call:
            reply = await call.turn(SENTENCE)
            await wait_for(lambda: call.speaker.seconds > 1.0, 20, "the reply's audio")
            assert not call.parley.session.fell_back
        heard = call.said("user")
    assert word_accuracy([(SENTENCE, " ".join(heard))]) >= 0.8, heard
    assert "language model" in reply  # the responder's answer, spoken by the double
    roles = sorted(s["role"] for s in api.segments.values())
    assert roles.count("user") >= 1 and roles.count("assistant") >= 1, api.segments
    assert server.requests[0]["path"] == PATHS[chain], server.requests
