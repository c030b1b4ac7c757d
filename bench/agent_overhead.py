"""Orchestration overhead of the voice pipeline.

N spoken turns (eSpeak NG speech, paced in real time) go through the same
AgentSession configuration the worker uses, with providers of fixed latency. Per
turn, the critical path the providers and configured waits impose is

    max(endpointing min delay, VAD silence window + STT) + LLM TTFT + TTS TTFB

(the STT runs once the VAD declares end of speech, in parallel with the endpointing
wait, both measured from when the user stopped speaking), and the overhead is the
e2e latency minus that.

    .venv/bin/python -m bench.agent_overhead [turns]
"""

from __future__ import annotations

import asyncio
import statistics
import sys

from livekit.agents import AgentSession, ConversationItemAddedEvent, inference, llm

from agent_app.call.assistant import ParleyAssistant
from bench.agent_fakes import FixedLLM, FixedSTT, FixedTTS, Latencies
from harness.agent_helpers import speech_frames
from harness.doubles.audio_io import CollectingSpeaker, PacedMicrophone

MIN_DELAY = 0.3
VAD_SILENCE = 0.25


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def run(turns: int) -> None:
    lat = Latencies()
    vad = inference.VAD(min_silence_duration=VAD_SILENCE)
    session: AgentSession[None] = AgentSession(
        stt=FixedSTT(lat.stt),
        llm=FixedLLM(lat.llm_ttft),
        tts=FixedTTS(lat.tts_ttfb),
        vad=vad,
        turn_handling={
            "turn_detection": "vad",
            "endpointing": {"min_delay": MIN_DELAY, "max_delay": 3.0},
            "interruption": {"mode": "vad"},
            "preemptive_generation": {"enabled": False},
        },
    )
    replies: list[llm.ChatMessage] = []
    done = asyncio.Event()

    @session.on("conversation_item_added")
    def _added(event: ConversationItemAddedEvent) -> None:
        if isinstance(event.item, llm.ChatMessage) and event.item.role == "assistant":
            replies.append(event.item)
            done.set()

    frames, rate = speech_frames("please tell me something interesting")
    mic, speaker = PacedMicrophone(rate), CollectingSpeaker()
    session.input.audio, session.output.audio = mic, speaker

    async def no_uploads() -> list[dict[str, object]]:
        return []

    await session.start(ParleyAssistant(instructions="x", list_uploads=no_uploads))
    for _ in range(turns):
        done.clear()
        mic.say(frames)
        await asyncio.wait_for(done.wait(), timeout=15)
    await session.aclose()

    path = max(MIN_DELAY, VAD_SILENCE + lat.stt) + lat.llm_ttft + lat.tts_ttfb
    e2e = [float(m.metrics["e2e_latency"]) for m in replies if "e2e_latency" in (m.metrics or {})]
    overhead = [(v - path) * 1000 for v in e2e]
    print(f"turns measured      {len(e2e)}")
    print(
        f"providers (fixed)   stt {lat.stt * 1000:.0f} ms + llm ttft {lat.llm_ttft * 1000:.0f} ms"
        f" + tts ttfb {lat.tts_ttfb * 1000:.0f} ms"
    )
    print(
        f"configured waits    endpointing {MIN_DELAY * 1000:.0f} ms, vad silence"
        f" {VAD_SILENCE * 1000:.0f} ms -> critical path {path * 1000:.0f} ms"
    )
    print(
        f"e2e latency         p50 {pct(e2e, 0.5) * 1000:.0f} ms  p95 {pct(e2e, 0.95) * 1000:.0f} ms"
    )
    print(
        f"orchestration       p50 {pct(overhead, 0.5):.1f} ms  p95 {pct(overhead, 0.95):.1f} ms"
        f"  (mean {statistics.mean(overhead):.1f} ms; target p95 <= 30 ms)"
    )


if __name__ == "__main__":
    asyncio.run(run(int(sys.argv[1]) if len(sys.argv) > 1 else 20))
