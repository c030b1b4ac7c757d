"""Per-turn metrics of a realtime call: the end of the caller's speech comes from the
server's VAD events (no local VAD runs), the model's own time to first audio from its
``response.done``, and each figure lands on its own turn even when that event is late."""

from __future__ import annotations

from typing import Any

from livekit.agents import MetricsCollectedEvent, llm
from livekit.agents.metrics import RealtimeModelMetrics

from agent_app.observability.telemetry import TurnMetrics
from harness.caller.voice import caller_frames
from harness.doubles import FakeParleyApi, serve
from harness.doubles.realtime import RealtimeServer
from harness.realtime_helpers import realtime_call, realtime_settings
from harness.waiting import wait_for

DONE_LATE_S = 4.0
"""How late the server's ``response.done`` comes: long enough to cut each reply before."""
SENTENCES = (
    "The train to the city was late again this morning.",
    "My sister bought a small boat for the summer.",
)


def _turns(api: FakeParleyApi) -> dict[int, dict[str, Any]]:
    events = [e["data"] for e in api.events.values() if e["type"] == "turn_metrics"]
    return {data["turnIndex"]: data for data in events}


async def test_each_turn_gets_its_own_model_latency_when_response_done_is_late(
    http_context: None,
) -> None:
    server, api = RealtimeServer(done_delay_s=DONE_LATE_S), FakeParleyApi()
    model_ttft: dict[str, float] = {}

    def measured(event: MetricsCollectedEvent) -> None:
        if isinstance(event.metrics, RealtimeModelMetrics) and event.metrics.ttft > 0:
            model_ttft[event.metrics.request_id] = event.metrics.ttft

    async with serve(server.app()) as url, serve(api.app()) as api_url:
        async with realtime_call(api_url, realtime_settings(url, "openai")) as call:
            call.parley.session.on("metrics_collected", measured)
            for sentence in SENTENCES:
                replies, heard = len(call.said("assistant")), call.speaker.seconds
                call.mic.say(caller_frames(sentence, snr_db=20.0))
                await wait_for(
                    lambda: call.speaker.seconds > heard,  # noqa: B023
                    60,
                    "the reply's audio",
                )
                # cut while its response is still open: the reply is committed before the
                # server's response.done (and its time to first audio) arrives
                call.parley.session.interrupt()
                await wait_for(
                    lambda: len(call.said("assistant")) > replies,  # noqa: B023
                    30,
                    "the cut reply",
                )
            await wait_for(lambda: len(model_ttft) >= 2, 3 * DONE_LATE_S, "late responses")
            await wait_for(
                lambda: sum("llmTtft" in t for t in _turns(api).values()) >= 2,
                10,
                "both turns' figures",
            )
    spoken = [m for m in call.messages if m.role in ("user", "assistant") and m.text_content]
    answers = [(index, m) for index, m in enumerate(spoken) if m.role == "assistant"]
    assert len(answers) == 2, call.messages
    turns = _turns(api)
    for index, reply in answers:
        (response_id,) = (reply.metrics or {})["provider_request_ids"]
        # the figure of the reply's own response, not the one before it
        assert turns[index]["llmTtft"] == round(model_ttft[response_id], 4), (index, turns)
        assert "e2eLatency" in turns[index], turns


def _reply(response_id: str, started: float) -> llm.ChatMessage:
    return llm.ChatMessage(
        role="assistant",
        content=["hello"],
        metrics={"provider_request_ids": [response_id], "started_speaking_at": started},
    )


def test_a_late_model_latency_completes_its_own_turn() -> None:
    published: dict[int, dict[str, float]] = {}
    turns = TurnMetrics("RM_late", publish=lambda i, t: published.update({i: dict(t)}))
    turns.speech_stopped(100.0)
    turns.observe(_reply("resp_1", 100.4), 1)
    turns.speech_stopped(110.0)
    turns.on_metrics(_metrics("resp_2", 0.3))  # the second response reports first
    turns.observe(_reply("resp_2", 110.7), 3)
    turns.on_metrics(_metrics("resp_1", 0.2))  # the first one's response.done, late
    # each turn: its own end of speech to first audio, its own response's figure
    assert published[1]["llm_ttft"] == 0.2 and published[3]["llm_ttft"] == 0.3, published
    assert abs(published[1]["e2e_latency"] - 0.4) < 1e-9, published
    assert abs(published[3]["e2e_latency"] - 0.7) < 1e-9, published


def _metrics(response_id: str, ttft: float) -> MetricsCollectedEvent:
    return MetricsCollectedEvent(
        metrics=RealtimeModelMetrics(
            request_id=response_id,
            timestamp=0.0,
            ttft=ttft,
            input_token_details=RealtimeModelMetrics.InputTokenDetails(),
            output_token_details=RealtimeModelMetrics.OutputTokenDetails(),
        )
    )
