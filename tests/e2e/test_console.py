"""The operator opens a real call in the console: a synthetic caller talks to the real
agent through a real LiveKit server, then headless Chromium opens /console/ (on loopback,
no key, like `make up`), finds the session, its transcript with times, the per-turn
latency chart and the events. Screenshots at desktop and phone width are saved (to
``CONSOLE_SCREENSHOTS`` when set, else the test's temporary folder)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.api import ApiProcess
from harness.caller import DEFAULT_SENTENCES, call
from harness.node import run_driver
from harness.processes import ROOT
from harness.stack import BrowserStack, Stack, browser_stack

pytestmark = pytest.mark.e2e

HERE = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")
STEP_TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def console_stack(stack: Stack, work_dir: Path) -> Iterator[BrowserStack]:
    """An API serving web/dist with loopback developer auth, and an agent using it."""
    assert CHROMIUM.exists(), "Debian chromium is missing: run `make system-deps`"
    assert (ROOT / "web" / "dist" / "console" / "console.js").is_file(), "run `make web`"
    with browser_stack(stack, work_dir, "console-agent") as running:
        yield running


async def wait_for_turn_metrics(api: ApiProcess, session_id: str, turns: int) -> list[Any]:
    """The agent's outbox delivers in the background: poll (bounded) until there is one
    metrics event per assistant turn."""
    deadline = time.monotonic() + 30
    items: list[Any] = []
    async with httpx.AsyncClient(base_url=api.base_url, timeout=10) as client:
        while time.monotonic() < deadline:
            resp = await client.get(
                f"/api/sessions/{session_id}/metrics", headers={"x-api-key": api.api_key}
            )
            items = resp.json()["items"] if resp.status_code == 200 else []
            if len(items) >= turns:
                break
            await asyncio.sleep(0.25)
    return items


def open_console(url: str, session_id: str, screenshots: Path) -> dict[str, Any]:
    config = {
        "url": url,
        "sessionId": session_id,
        "timeoutMs": STEP_TIMEOUT_MS,
        "screenshotDir": str(screenshots),
    }
    timeout = STEP_TIMEOUT_MS / 1000 * 6
    return run_driver(HERE / "console_check.mjs", config, timeout, "console driver")


async def test_a_call_shows_up_in_the_console_with_its_latency_chart(
    console_stack: BrowserStack, tmp_path: Path
) -> None:
    api = console_stack.api
    result = await call(api.base_url, api.api_key, DEFAULT_SENTENCES, reply_timeout=20)
    replied = [t for t in result.turns if t.reply_started is not None]
    assert replied, console_stack.agent.tail(60)
    replies = {int(str(i["turnIndex"])) for i in result.transcript if i["role"] == "assistant"}
    metrics = await wait_for_turn_metrics(api, result.session_id, len(replies))
    # one metrics event per assistant reply, keyed by the reply's turn
    assert {m["turnIndex"] for m in metrics} == replies, (metrics, result.transcript)
    measured = [m for m in metrics if m.get("e2eLatency") is not None]
    assert measured, (metrics, console_stack.agent.tail(60))  # spoken turns have voice-to-voice

    shots = Path(os.environ.get("CONSOLE_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    report = await asyncio.to_thread(open_console, api.base_url, result.session_id, shots)
    assert report["ok"], json.dumps(report, indent=1)

    row = report["list"]
    assert row["found"] and row["error"] is None
    assert int(row["turns"]) == len(metrics)  # turns counted from the metrics events

    page = report["session"]
    assert page["sessionId"] == result.session_id
    roles = [item["role"] for item in page["transcript"]]
    assert roles.count("user") >= len(replied) and "assistant" in roles
    assert all(item["time"] for item in page["transcript"])  # every line has its time
    assert [item["turn"] for item in page["transcript"]] == sorted(
        item["turn"] for item in page["transcript"]
    )

    chart = page["chart"]
    assert chart is not None, "no latency chart rendered"
    assert chart["turns"] == len(metrics)
    stages = {bar["stage"] for bar in chart["bars"]}
    assert {"stt", "llm", "tts"} <= stages, chart  # a spoken turn has all three
    assert all(bar["width"] > 0 for bar in chart["bars"])
    # the description names the slowest turn; a turn without voice-to-voice (the
    # greeting) counts as the sum of its stages, so it is at least the slowest measured one
    # turns are counted from 1 in the order spoken (not by transcript index), the
    # greeting apart
    match = re.fullmatch(
        r"(\d+) turns; slowest is (the greeting|turn (\d+)) at (\d+) ms\.", chart["label"]
    )
    assert match, chart["label"]
    assert int(match[1]) == len(metrics)
    assert match[3] is None or 1 <= int(match[3]) <= len(metrics)
    assert int(match[4]) >= round(max(m["e2eLatency"] for m in measured) * 1000)

    assert "participant_connected" in page["events"]
    assert "turn_metrics" not in page["events"]  # latencies live in the chart, not the story
    for name in ("list-desktop", "session-desktop", "session-phone", "list-phone"):
        shot = shots / f"console-{name}.png"
        assert shot.is_file() and shot.stat().st_size > 5_000, shot
