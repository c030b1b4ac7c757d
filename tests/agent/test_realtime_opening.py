"""The call's opening survives a realtime model that fails right at call start: the caller
hears the greeting from whichever model ends up serving the call."""

from __future__ import annotations

from harness.doubles import FakeParleyApi, serve
from harness.doubles.realtime import RealtimeServer
from harness.realtime_helpers import realtime_call, realtime_settings
from harness.waiting import wait_for


async def test_the_greeting_comes_from_the_next_realtime_model(http_context: None) -> None:
    refused, standby, api = (
        RealtimeServer(error_code="invalid_api_key"),
        RealtimeServer(),
        FakeParleyApi(),
    )
    async with serve(refused.app()) as bad, serve(standby.app()) as good:
        async with serve(api.app()) as api_url:
            cfg = realtime_settings(good, "openai,voice-live", openai_realtime_base_url=f"{bad}/v1")
            async with realtime_call(api_url, cfg) as call:
                call.parley.greet()  # issued before the first model has failed
                await wait_for(lambda: bool(call.said("assistant")), 60, "the greeting")
                await wait_for(lambda: call.speaker.seconds > 1.0, 20, "the greeting's audio")
                assert not call.parley.session.fell_back
    assert refused.requests, "the first model was never tried"
    assert "response.create" in standby.received, standby.received
    assert call.said("assistant")[0].strip(), call.messages


async def test_the_greeting_comes_from_the_cascade_when_no_realtime_model_answers(
    http_context: None,
) -> None:
    gone, api = RealtimeServer(down=True), FakeParleyApi()
    async with serve(gone.app()) as url, serve(api.app()) as api_url:
        async with realtime_call(api_url, realtime_settings(url, "azure-openai")) as call:
            call.parley.greet()
            await wait_for(lambda: call.parley.session.fell_back, 30, "the hand-over")
            await wait_for(lambda: bool(call.said("assistant")), 60, "the greeting")
            await wait_for(lambda: call.speaker.seconds > 1.0, 20, "the greeting's audio")
    assert gone.requests, "the realtime model was never tried"
    assert call.said("assistant")[0].strip(), call.messages
