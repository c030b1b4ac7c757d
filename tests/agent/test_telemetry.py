"""Per-turn metrics reach Application Insights' ingestion protocol (local endpoint)."""

from __future__ import annotations

import asyncio
import gzip
import os
import sys
from pathlib import Path

from aiohttp import web

from harness.doubles import serve

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
from opentelemetry import metrics
from livekit.agents import llm
from agent_app.settings import AgentSettings
from agent_app.observability.telemetry import TurnMetrics, configure, session_started

assert configure(AgentSettings())
turns = TurnMetrics("RM_tel")
turns.observe(llm.ChatMessage(role="user", content=["hi"], metrics={"transcription_delay": 0.1}))
turns.observe(llm.ChatMessage(
    role="assistant", content=["yo"],
    metrics={"e2e_latency": 0.5, "llm_node_ttft": 0.2, "tts_node_ttfb": 0.1},
))
session_started(True, lambda type_, data: None)
metrics.get_meter_provider().force_flush()
"""


async def test_turn_metrics_are_exported_to_app_insights() -> None:
    bodies: list[str] = []

    async def track(request: web.Request) -> web.Response:
        raw = await request.read()
        if request.headers.get("Content-Encoding") == "gzip":
            raw = gzip.decompress(raw)
        bodies.append(request.path + " " + raw.decode(errors="replace"))
        return web.json_response({"itemsReceived": 1, "itemsAccepted": 1, "errors": []})

    app = web.Application()
    # the exporter joins the ingestion endpoint and its track path itself
    app.router.add_route("*", "/{tail:.*}", track)
    async with serve(app) as url:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "APPLICATIONINSIGHTS_CONNECTION_STRING": (
                f"InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint={url}/"
            ),
        }
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", SCRIPT, cwd=ROOT, env=env, stderr=asyncio.subprocess.PIPE
        )
        _, stderr = await asyncio.wait_for(proc.communicate(), timeout=60)
        assert proc.returncode == 0, stderr.decode()[-2000:]
    exported = "\n".join(bodies)
    assert all(body.split(" ", 1)[0].endswith("/v2.1/track") for body in bodies)
    for name in ("e2e_latency", "stt_delay", "llm_ttft", "tts_ttfb", "sessions"):
        assert f"parley.agent.{name}" in exported
