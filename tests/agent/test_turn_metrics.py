"""The metrics contract, agent side: each assistant turn's latencies become a
`turn_metrics` session event (persisted by the API), provider failovers and restored
sessions become events too, and the names match what the agent exports."""

from __future__ import annotations

from typing import Any

from livekit.agents import llm

from agent_app.call.session import ParleySession
from agent_app.observability.telemetry import (
    EXPORTED_METRICS,
    TurnMetrics,
    session_started,
    turn_metrics_event,
    watch_failovers,
)
from agent_app.providers.chains import build_providers
from harness.agent_helpers import collect_text, converse, offline_session, settings, user_says
from harness.doubles import Behaviour, FakeParleyApi, OpenAIServer, serve


def _parley(url: str, sid: str) -> ParleySession:
    return offline_session(url, sid, "room-m")


async def test_each_assistant_turn_ships_its_metrics_as_a_session_event() -> None:
    fake = FakeParleyApi()
    async with serve(fake.app()) as url:
        parley = _parley(url, "RM_metrics")
        await converse(parley, "hello there", "what time is it")
    turns = sorted(
        (e for e in fake.events.values() if e["type"] == "turn_metrics"),
        key=lambda e: e["data"]["turnIndex"],
    )
    # one per assistant reply, keyed like the reply's transcript segment
    assert [e["id"] for e in turns] == ["RM_metrics-000001-metrics", "RM_metrics-000003-metrics"]
    assert [e["data"]["turnIndex"] for e in turns] == [1, 3]
    assert {f"RM_metrics-{e['data']['turnIndex']:06d}-assistant" for e in turns} <= set(
        fake.segments
    )
    for event in turns:
        assert event["data"]["llmTtft"] >= 0
        assert set(event["data"]) <= {
            "turnIndex",
            "e2eLatency",
            "endOfTurnDelay",
            "sttDelay",
            "llmTtft",
            "ttsTtfb",
        }


def test_a_turn_joins_the_user_delays_with_the_reply_latencies() -> None:
    turns = TurnMetrics("RM_join")
    user = llm.ChatMessage(
        role="user",
        content=["hi"],
        metrics={"transcription_delay": 0.12, "end_of_turn_delay": 0.3},
    )
    reply = llm.ChatMessage(
        role="assistant",
        content=["hello"],
        metrics={"e2e_latency": 0.9, "llm_node_ttft": 0.25, "tts_node_ttfb": 0.11},
    )
    assert turns.observe(user) is None
    turn = turns.observe(reply)
    assert turn is not None
    event = turn_metrics_event("RM_join", 7, turn)
    assert event["type"] == "turn_metrics"
    assert event["id"] == "RM_join-000007-metrics"
    assert event["data"] == {
        "turnIndex": 7,
        "sttDelay": 0.12,
        "endOfTurnDelay": 0.3,
        "e2eLatency": 0.9,
        "llmTtft": 0.25,
        "ttsTtfb": 0.11,
    }
    # an impossible figure is left out rather than getting the whole batch refused
    odd = turn_metrics_event("RM_join", 8, {"e2e_latency": 1e6, "llm_ttft": -1.0, "tts_ttfb": 0.1})
    assert odd["data"] == {"turnIndex": 8, "ttsTtfb": 0.1}
    # the next reply without a user turn carries only its own numbers
    again = turns.observe(reply)
    assert again is not None and "stt_delay" not in again


async def test_a_provider_failover_is_recorded_as_a_session_event() -> None:
    primary = OpenAIServer(behaviour=Behaviour(status=500))
    secondary = OpenAIServer(reply="Backup here.")
    recorded: list[tuple[str, dict[str, Any]]] = []
    async with serve(primary.app()) as p_url, serve(secondary.app()) as s_url:
        cfg = settings(
            azure_openai_endpoint=p_url,
            azure_openai_deployment="dep",
            azure_openai_api_key="k",
            openai_base_url=f"{s_url}/v1",
            llm_providers="azure-openai,openai",
        )
        providers = await build_providers(cfg, vad_model=None)  # type: ignore[arg-type]
        watch_failovers(
            (providers.stt, providers.llm, providers.tts),
            lambda type_, data: recorded.append((type_, data)),
        )
        text, _ = await collect_text(providers.llm.chat(chat_ctx=user_says("hi")))
        await providers.llm.aclose()
    assert text == "Backup here."
    failovers = [data for type_, data in recorded if type_ == "provider_failover"]
    assert len(failovers) == 1
    assert failovers[0]["stage"] == "llm"
    assert failovers[0]["provider"].startswith("livekit.plugins.openai")


def test_only_a_restored_session_is_recorded_as_restored() -> None:
    recorded: list[str] = []
    session_started(False, lambda type_, _data: recorded.append(type_))
    assert recorded == []
    session_started(True, lambda type_, _data: recorded.append(type_))
    assert recorded == ["session_restored"]


def test_exported_metric_names_are_namespaced_and_carry_dimensions() -> None:
    assert "parley.agent.e2e_latency" in EXPORTED_METRICS
    assert EXPORTED_METRICS["parley.agent.provider_failovers"] == {"stage", "provider"}
    assert all(name.startswith("parley.agent.") for name in EXPORTED_METRICS)
