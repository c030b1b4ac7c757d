"""The call's opening survives a realtime model that fails right at call start: the caller
hears the greeting from whichever model ends up serving the call (the next realtime model:
``test_realtime.py``'s failover test; here, the cascade)."""

from __future__ import annotations

from harness.doubles import FakeParleyApi, serve
from harness.doubles.realtime import RealtimeServer
from harness.realtime_helpers import realtime_call, realtime_settings
from harness.waiting import wait_for


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
