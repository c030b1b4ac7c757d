"""A person's call from the web client: real Chromium, the page the API serves, the real agent.

Headless Chromium's fake microphone plays an eSpeak WAV (once: `%noloop`) saying one of the
sentences the offline speech recogniser knows. `browser_call.mjs` drives the page through its
test hooks (see the top comment of web/src/test-hooks.ts) and reports what it saw; this module
asserts on it: the reply appears in the transcript after the user's words, a shared text file
reaches "ready" and the assistant's spoken acknowledgement appears in the transcript too.

The browser gets its token the way `make up` does: unauthenticated from loopback
(LOOPBACK_DEV_AUTH). The shared `stack` API runs without it, so this module starts a second API
process on the same emulators, database and LiveKit server with it switched on.
"""

from __future__ import annotations

import json
import uuid
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.caller import voice
from harness.node import run_driver
from harness.processes import ROOT, ManagedProcess
from harness.stack import BrowserStack, Stack, browser_stack

pytestmark = pytest.mark.e2e

HERE = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")
SENTENCE = "What time is it right now?"
# Open speech in the caller's natural voice (Festival's, not the agent's Piper voice), through
# Chromium's capture (echo canceller, noise suppression, gain control) and Opus, no grammar.
# Chromium's fake microphone starts the file when the page opens the microphone, right after
# connecting: before the agent has joined. So the caller first stays silent, the way a person
# waits for the greeting (~1 s to join, ~6 s of offline greeting). Talking over the greeting
# still works (barge-in), but the echo canceller then clips the caller's first words;
# `agentStateAtSpeech` in a failure report says which case it was.
LEAD_SILENCE_S = 12.0
TRAIL_SILENCE_S = 1.0
STEP_TIMEOUT_MS = 60_000
FILENAME = "meeting-notes.txt"
FILE_TEXT = "Parley browser test notes.\nThe launch is planned for the ninth of March.\n"


@pytest.fixture(scope="module")
def web_stack(stack: Stack, work_dir: Path) -> Iterator[BrowserStack]:
    """An API serving web/dist with loopback developer auth, and an agent using it."""
    assert CHROMIUM.exists(), "Debian chromium is missing: run `make system-deps`"
    assert voice.festival_available(), "Festival is missing: run `make system-deps`"
    assert (ROOT / "web" / "dist" / "app.js").is_file(), "web/dist is missing: run `make web`"
    with browser_stack(stack, work_dir, "browser-agent") as running:
        yield running


def speech_wav(path: Path, sentence: str) -> Path:
    """The caller's voice saying ``sentence``, after a lead-in silence and before a short one."""
    pcm, rate = voice.speak(sentence)
    audio = voice.pad(pcm, rate, lead_s=LEAD_SILENCE_S, tail_s=TRAIL_SILENCE_S)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(audio.tobytes())
    return path


def run_browser_call(url: str, wav: Path, file: Path) -> dict[str, Any]:
    config = {"url": url, "wav": str(wav), "file": str(file), "timeoutMs": STEP_TIMEOUT_MS}
    timeout = STEP_TIMEOUT_MS / 1000 * 8
    return run_driver(HERE / "browser_call.mjs", config, timeout, "browser driver")


def describe(report: dict[str, Any], agent: ManagedProcess) -> str:
    """Everything needed to understand a failure: the step, the page and the agent."""
    transcript = "\n".join(
        f"  {i['role']:5} {i['kind']:6} final={i['final']!s:5} {i['text']!r}"
        for i in report.get("transcript", [])
    )
    console = "\n".join(f"  {line[:300]}" for line in report.get("console", [])[-60:])
    return (
        f"\nstep: {report.get('step')}\nerror: {report.get('error')}"
        f"\nobserved: {json.dumps(report.get('observed'), indent=1)}"
        f"\ntimeline: {report.get('timeline')}"
        f"\ntranscript:\n{transcript or '  (empty)'}"
        f"\nfiles: {report.get('files')}"
        f"\nstate: {json.dumps(report.get('state'))}"
        f"\nbrowser console:\n{console or '  (empty)'}"
        f"\nagent log:\n{agent.tail(80)}"
    )


def test_a_call_from_the_browser_gets_replies_and_reads_a_shared_file(
    web_stack: BrowserStack, tmp_path: Path
) -> None:
    base = web_stack.api.base_url
    # The API serves the client and sends visitors of / to it.
    landing = httpx.get(f"{base}/", follow_redirects=False, timeout=10)
    assert landing.is_redirect and landing.headers["location"] == "/app/", landing

    wav = speech_wav(tmp_path / "caller.wav", SENTENCE)
    shared = tmp_path / FILENAME
    shared.write_text(FILE_TEXT)
    room = f"browser-{uuid.uuid4().hex[:8]}"
    report = run_browser_call(f"{base}/app/?room={room}&name=browser-caller", wav, shared)
    why = describe(report, web_stack.agent)
    assert report["ok"], why

    observed = report["observed"]
    assert observed["pageStatus"] == 200 and observed["pageUrl"].startswith(f"{base}/app/"), why
    assert observed["talkWhileConnected"] == "End", why

    visible = [i for i in report["transcript"] if i["visible"]]
    users = [i for i in visible if i["role"] == "user"]
    # The file is played once (`%noloop`): one sentence, heard whole, shown as final speech.
    assert [(u["kind"], u["final"]) for u in users] == [("speech", True)], why
    assert voice.words(users[0]["text"]) == voice.words(SENTENCE), why
    after_user = visible[visible.index(users[0]) + 1 :]
    replies = [i for i in after_user if i["role"] == "agent" and i["final"]]
    assert replies, why
    # The offline assistant answers from its clock tool: "It's 09:30 UTC on Tuesday, ..."
    assert replies[0]["text"].startswith("It's "), why

    assert [(f["filename"], f["status"]) for f in report["files"]] == [(FILENAME, "ready")], why
    acks = [i for i in visible if i["role"] == "agent" and FILENAME in i["text"]]
    assert [a["text"].strip() for a in acks] == [f"Thanks, I've read {FILENAME}."], why
    assert all(a["final"] for a in acks), why

    assert observed["statusAfterEnd"] == "not connected", why
    assert observed["talkAfterEnd"] == "Talk", why
    assert observed["agentStateAfterEnd"] == "none", why
    errors = [line for line in report["console"] if "pageerror" in line]
    assert not errors, why
