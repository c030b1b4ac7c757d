"""Part 1: voice-to-voice latency with the agent's offline providers, one caller at a time."""

from __future__ import annotations

import asyncio
import math
import time
from pathlib import Path

from bench.cpu_meter import CpuMeter
from bench.e2e.records import Timing, TurnRecord, agent_turn_metrics, failed_call, records_of
from bench.e2e.stats import fmt_ms, pct
from bench.e2e.worker import UNREFUSING, agent_worker
from harness.caller import CallResult, call
from harness.stack import Stack

OFFLINE_SENTENCES = [
    "Hello there, can you hear me?",
    "What time is it right now?",
    "Thank you very much.",
    "Could you tell me something interesting?",
    "What's the date today?",
    "How are you doing this morning?",
    "What did I just say?",
    "Thanks a lot, goodbye.",
]
"""Part 1: open speech in the caller's natural voice, no grammar, said in turn; the time
and date questions make the responder call a tool."""
SENTENCES_PER_CALL = 4


async def offline_part(work: Path, svc: Stack, turns: int, timing: Timing) -> list[TurnRecord]:
    print("\n== 1. voice-to-voice, offline providers (local STT, responder, Piper) ==")
    calls = [
        [
            OFFLINE_SENTENCES[(c * SENTENCES_PER_CALL + j) % len(OFFLINE_SENTENCES)]
            for j in range(min(SENTENCES_PER_CALL, turns - c * SENTENCES_PER_CALL))
        ]
        for c in range(math.ceil(turns / SENTENCES_PER_CALL))
    ]
    env = {
        "BENCH_PROVIDERS": "agent",  # the worker's own (local) providers
        **UNREFUSING,
    }
    with agent_worker(work, svc, "bench.fixed_worker", env) as worker:
        wall_offset = time.time() - time.perf_counter()
        cpu = CpuMeter(worker.pid or 0)
        cpu.start()
        results: list[CallResult | None] = []
        complete = 0
        for sentences in calls:
            try:
                result = await call(svc.api.base_url, svc.api.api_key, sentences, 20.0)
            except Exception as e:
                print(f"  call failed: {type(e).__name__}: {e}")
                results.append(None)
                continue
            results.append(result)
            roles = [item["role"] for item in result.transcript]
            if min(roles.count("user"), roles.count("assistant")) >= len(sentences):
                complete += 1
        await asyncio.sleep(1.0)  # the last metrics line
        cpu_s = await cpu.stop()
        print(f"agent CPU per call: {cpu_s / len(calls):.2f} s (worker and its job processes)")
        sessions = {r.session_id for r in results if r is not None}
        metrics = agent_turn_metrics(worker.log_path, sessions)
    records: list[TurnRecord] = []
    for sentences, done in zip(calls, results, strict=True):
        if done is None:
            records += failed_call("-", sentences)
            continue
        records += records_of(done, metrics.get(done.session_id), wall_offset)
        records += failed_call(done.session_id, sentences[len(done.turns) :])
    ok = [r for r in records if r.ok]
    v2v = [r.v2v_ms for r in ok if r.v2v_ms is not None]
    heard = [r for r in results if r is not None]
    if heard:
        accuracy = sum(r.word_accuracy for r in heard) / len(heard)
        print(f"word accuracy of what the agent heard, over WebRTC: {accuracy:.1%} (mean of calls)")
    print(
        f"{len(calls)} calls, {len(records)} turns: {len(ok)} replied, "
        f"{len(records) - len(ok)} failed"
        f" ({sum(r.early for r in records)} replies before the caller finished);"
        f" transcripts complete {complete}/{len(calls)}"
    )
    if not v2v:
        print("no turn got a reply; worker log:\n" + worker.tail(40))
        return records
    print(
        f"voice-to-voice at the caller   p50 {pct(v2v, 0.5):5.0f} ms   p95 {pct(v2v, 0.95):5.0f} ms"
        f"   max {max(v2v):5.0f} ms   (n={len(v2v)})"
    )
    with_agent = [r for r in ok if "e2e_latency" in r.agent]
    held = [r for r in with_agent if timing.held(r.agent)]
    prompt = [r for r in with_agent if not timing.held(r.agent)]
    print(
        f"  committed after min_delay {timing.min_delay * 1000:.0f} ms: "
        f"p50 / p95 {fmt_ms([r.v2v_ms for r in prompt if r.v2v_ms is not None])} ms"
        f"  (n={len(prompt)})"
    )
    print(
        f"  held for max_delay {timing.max_delay * 1000:.0f} ms by the turn detector: "
        f"p50 / p95 {fmt_ms([r.v2v_ms for r in held if r.v2v_ms is not None])} ms"
        f"  (n={len(held)})"
    )
    print(f"breakdown, p50 / p95 in ms ({len(with_agent)} turns with the agent's metrics):")

    def row(label: str, values: list[float]) -> None:
        print(f"  {label:<58} {fmt_ms(values)}")

    def agent_ms(key: str) -> list[float]:
        return [r.agent[key] * 1000 for r in with_agent if key in r.agent]

    row(
        "media in + VAD: caller's end of speech -> agent's VAD's",
        [r.media_in_ms for r in ok if r.media_in_ms is not None],
    )
    row("end of turn: VAD, turn detector, endpointing, STT", agent_ms("end_of_turn_delay"))
    row("  of which STT: end of speech -> final transcript", agent_ms("stt_delay"))
    row("LLM time to first token (last generation)", agent_ms("llm_ttft"))
    row("TTS time to first audio", agent_ms("tts_ttfb"))
    row(
        "rest inside the agent: e2e - end of turn - LLM - TTS",
        [
            (
                r.agent["e2e_latency"]
                - r.agent.get("end_of_turn_delay", 0)
                - r.agent.get("llm_ttft", 0)
                - r.agent.get("tts_ttfb", 0)
            )
            * 1000
            for r in with_agent
        ],
    )
    row("agent e2e: its end of speech -> its first audio out", agent_ms("e2e_latency"))
    row(
        "media out: agent's first audio -> caller hears it",
        [r.media_out_ms for r in ok if r.media_out_ms is not None],
    )
    row(
        "media both ways: v2v - agent e2e",
        [r.v2v_ms - r.agent["e2e_latency"] * 1000 for r in with_agent if r.v2v_ms is not None],
    )
    return records
