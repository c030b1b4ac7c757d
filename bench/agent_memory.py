"""Agent worker memory: the worker at idle, and what one active job adds.

    .venv/bin/python -m bench.agent_memory

Idle: ``python -m agent_app start`` with its pre-warmed job processes (LiveKit need
not be reachable). Active job: a fresh process that prewarms like a job process, then
runs three spoken turns through the offline pipeline; the growth is the job's cost.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

import psutil  # type: ignore[import-untyped]

from harness.agent import health_url, launch_agent
from harness.ports import free_port

ROOT = Path(__file__).resolve().parents[1]
MB = 1024 * 1024


def _rss(p: psutil.Process) -> tuple[float, float]:
    info = p.memory_full_info()
    return info.rss / MB, info.uss / MB


def measure_idle_worker(work: Path) -> None:
    env = {"LIVEKIT_URL": f"ws://127.0.0.1:{free_port()}", "HEALTH_PORT": str(free_port())}
    worker = launch_agent(work, env)
    try:
        # the worker logs one "process initialized" per pre-warmed job process
        warm = psutil.cpu_count()
        worker.wait_ready(lambda: worker.log_text().count("process initialized") >= warm, 60)
        initialized = worker.log_text().count("process initialized")
        urllib.request.urlopen(health_url(worker), timeout=2).read()
        assert worker.proc is not None
        main = psutil.Process(worker.proc.pid)
        rss, uss = _rss(main)
        print(f"worker main process      rss {rss:6.0f} MB  uss {uss:6.0f} MB")
        total_uss = uss
        for child in main.children(recursive=True):
            c_rss, c_uss = _rss(child)
            total_uss += c_uss
            name = " ".join(child.cmdline()[-2:])[-40:]
            print(f"  child {child.pid:<7} rss {c_rss:6.0f} MB  uss {c_uss:6.0f} MB  {name}")
        print(
            f"worker idle, total uss   {total_uss:6.0f} MB ({initialized} pre-warmed job processes)"
        )
    finally:
        worker.stop(timeout=30)


async def _job_turns() -> None:
    from types import SimpleNamespace

    from livekit.agents import AgentSession, ConversationItemAddedEvent, llm

    from agent_app.call.assistant import ParleyAssistant
    from agent_app.call.turns import turn_handling
    from agent_app.providers.chains import build_providers
    from agent_app.runtime.worker import prewarm
    from harness.agent_helpers import settings, speech_frames
    from harness.doubles.audio_io import CollectingSpeaker, PacedMicrophone

    me = psutil.Process()
    proc = SimpleNamespace(userdata={})
    prewarm(proc)  # type: ignore[arg-type]
    before = _rss(me)
    cfg = settings()
    providers = await build_providers(cfg, proc.userdata["vad"])
    session: AgentSession[None] = AgentSession(
        stt=providers.stt,
        llm=providers.llm,
        tts=providers.tts,
        vad=proc.userdata["vad"],
        turn_handling=turn_handling(),
    )
    replies = asyncio.Event()
    count = 0

    @session.on("conversation_item_added")
    def _added(event: ConversationItemAddedEvent) -> None:
        nonlocal count
        if isinstance(event.item, llm.ChatMessage) and event.item.role == "assistant":
            count += 1
            replies.set()

    frames, rate = speech_frames("tell me the time")
    mic, speaker = PacedMicrophone(rate, speed=2.0), CollectingSpeaker()
    session.input.audio, session.output.audio = mic, speaker

    async def no_uploads() -> list[dict[str, object]]:
        return []

    await session.start(ParleyAssistant(instructions="x", list_uploads=no_uploads))
    for _ in range(3):
        replies.clear()
        mic.say(frames)
        await asyncio.wait_for(replies.wait(), 30)
    after = _rss(me)
    await session.aclose()
    print(f"job process, prewarmed   rss {before[0]:6.0f} MB  uss {before[1]:6.0f} MB")
    print(f"job process, 3 turns in  rss {after[0]:6.0f} MB  uss {after[1]:6.0f} MB")
    print(f"per active job (growth)  rss {after[0] - before[0]:+6.0f} MB  ({count} replies)")


if __name__ == "__main__":
    if "--job" in sys.argv:
        asyncio.run(_job_turns())
    else:
        with tempfile.TemporaryDirectory(prefix="parley-bench-memory-") as tmp:
            measure_idle_worker(Path(tmp))
        subprocess.run(
            [sys.executable, "-m", "bench.agent_memory", "--job"],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stderr=subprocess.DEVNULL,
            check=True,
        )
