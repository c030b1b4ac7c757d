"""Realtime speech-to-speech calls over real WebRTC, through a real LiveKit server, the API
on the emulators, Redis and two agent workers; the realtime services are the double
(``harness.doubles.realtime``) in its own processes: Whisper hears, the offline responder
decides, Piper speaks.

One deployment, tenants choosing how their calls run: each realtime client (OpenAI GA,
Azure OpenAI, Voice Live) and a cascaded tenant side by side, a tool call and barge-in,
a worker killed mid-reply, the OpenAI service killed mid-call (the cascade goes on), and
a realtime chain failing over to its next model.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from agent_app.providers.offline.responder import NEEDS_A_MODEL
from harness.agent import serving_worker, start_agent
from harness.api import ApiProcess, api_environment
from harness.caller import Caller, join, read_transcript
from harness.caller.voice import word_accuracy, words
from harness.emulators import Emulators
from harness.livekit import start_livekit
from harness.ports import free_port
from harness.processes import ManagedProcess
from harness.realtime_server import connections, start_realtime_server
from harness.redis_server import start_redis
from harness.waiting import wait_for

pytestmark = pytest.mark.e2e

TENANTS = {
    "openai": {"realtimeProviders": ["openai"]},
    "azure": {"realtimeProviders": ["azure-openai"]},
    "voicelive": {"realtimeProviders": ["voice-live"]},
    "cascade": {"pipeline": "cascaded"},
    "failover": {"realtimeProviders": ["openai", "voice-live"]},
}
KEYS = {tenant: f"{tenant}-realtime-key-0123456789" for tenant in TENANTS}
PATHS = {
    "openai": "/v1/realtime",
    "azure": "/openai/v1/realtime",
    "voicelive": "/voice-live/realtime",
}
SENTENCE = "The weather has been surprisingly warm for this time of year."
REPLY_S = 40.0


@dataclass
class RealtimeStack:
    api: ApiProcess
    workers: list[ManagedProcess]
    primary: ManagedProcess
    """The double serving the ``openai`` client (killed by the fallback test)."""
    secondary: ManagedProcess
    """The double serving Azure OpenAI and Voice Live."""

    def serving(self, room: str) -> ManagedProcess:
        return serving_worker(self.workers, room)


@pytest.fixture(scope="module")
def rt(emulators: Emulators, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealtimeStack]:
    work = tmp_path_factory.mktemp("realtime")
    with contextlib.ExitStack() as running:
        primary, primary_url = start_realtime_server(work, "realtime-primary")
        running.callback(primary.stop)
        secondary, secondary_url = start_realtime_server(work, "realtime-secondary")
        running.callback(secondary.stop)
        redis = start_redis(work)
        running.callback(redis.stop)
        port = free_port()
        livekit = start_livekit(work, webhook_url=f"http://127.0.0.1:{port}/api/livekit/webhook")
        running.callback(livekit.stop)
        keys = ",".join(f"{tenant}={key}" for tenant, key in KEYS.items())
        api = ApiProcess(
            work, api_environment(emulators, livekit_url=livekit.ws_url), port, api_key=keys
        )
        running.callback(api.stop)
        api.start()
        env = {
            # every client's plugin is loaded at start-up; each tenant picks its chain
            "REALTIME_PROVIDERS": "openai,azure-openai,voice-live",
            "OPENAI_REALTIME_BASE_URL": f"{primary_url}/v1",
            "OPENAI_API_KEY": "test-openai-key",
            "AZURE_OPENAI_ENDPOINT": secondary_url,
            "AZURE_OPENAI_REALTIME_DEPLOYMENT": "gpt-realtime",
            "AZURE_OPENAI_API_KEY": "test-azure-key",
            "AZURE_VOICE_LIVE_ENDPOINT": secondary_url,
            "AZURE_VOICE_LIVE_API_KEY": "test-voice-live-key",
            "REALTIME_CONNECT_RETRIES": "1",
        }
        workers = []
        for name in ("rt-agent-a", "rt-agent-b"):
            worker = start_agent(
                work, livekit.ws_url, api.base_url, api.agent_key, redis.url, name, extra_env=env
            )
            running.callback(worker.stop, 30)
            workers.append(worker)
        with httpx.Client(base_url=api.base_url, timeout=10) as client:
            for tenant, profile in TENANTS.items():
                resp = client.put(
                    "/api/tenant/profile", json=profile, headers={"x-api-key": KEYS[tenant]}
                )
                assert resp.status_code == 200, resp.text
        yield RealtimeStack(api, workers, primary, secondary)


async def _join(rt: RealtimeStack, tenant: str, *, greeted: bool = True) -> Caller:
    """A caller of ``tenant``, once the agent's greeting is over (``greeted=False``: a
    greeting is not waited for, e.g. when the first model of the chain refuses the call)."""
    caller = await join(rt.api.base_url, KEYS[tenant])
    if greeted:
        await caller.hear_reply(REPLY_S)
    else:
        await asyncio.wait_for(caller.ear.track_ready.wait(), REPLY_S)
    return caller


async def _turn(caller: Caller, sentence: str) -> None:
    await caller.say(sentence)
    await caller.hear_reply(REPLY_S)


async def _transcript(
    rt: RealtimeStack, tenant: str, session_id: str, turns: int, replies: int | None = None
) -> list[Any]:
    """The call's transcript once ``turns`` user turns and ``replies`` agent turns (by
    default one a user turn, and the greeting) are stored."""
    replies = turns + 1 if replies is None else replies
    async with httpx.AsyncClient(base_url=rt.api.base_url, timeout=10) as client:
        headers = {"x-api-key": KEYS[tenant]}
        items: list[Any] = []

        async def stored() -> bool:
            nonlocal items
            items = await read_transcript(client, headers, session_id, turns)
            roles = [i["role"] for i in items]
            return roles.count("user") >= turns and roles.count("assistant") >= replies

        await wait_for(stored, 60, "the transcript")
        return items


def _said(items: list[Any], role: str) -> list[str]:
    return [str(i["text"]) for i in items if i["role"] == role]


async def test_each_realtime_client_and_a_cascaded_tenant_hold_a_spoken_turn(
    rt: RealtimeStack,
) -> None:
    for tenant in ("openai", "azure", "voicelive", "cascade"):
        before = {
            t: connections(rt.secondary, p) + connections(rt.primary, p) for t, p in PATHS.items()
        }
        caller = await _join(rt, tenant)
        session_id = await caller.room.sid
        try:
            await _turn(caller, SENTENCE)
        finally:
            await caller.hang_up()
        items = await _transcript(rt, tenant, session_id, 1)
        heard = _said(items, "user")
        assert word_accuracy([(SENTENCE, " ".join(heard))]) >= 0.8, (tenant, heard)
        # the responder's answer to small talk, spoken by the double (or by the cascade)
        assert NEEDS_A_MODEL in _said(items, "assistant"), (tenant, items)
        after = {
            t: connections(rt.secondary, p) + connections(rt.primary, p) for t, p in PATHS.items()
        }
        grew = {t for t in PATHS if after[t] > before[t]}
        assert grew == ({tenant} if tenant in PATHS else set()), (tenant, before, after)


async def test_a_tool_call_and_barge_in(rt: RealtimeStack) -> None:
    caller = await _join(rt, "openai")
    session_id = await caller.room.sid
    try:
        await _turn(caller, "What time is it right now?")
        # a long answer, cut short by the caller speaking over it
        await caller.say("Could you remind me to water the plants this evening?")
        await asyncio.wait_for(caller.ear.started.wait(), REPLY_S)
        await _turn(caller, "Thank you very much, goodbye.")
    finally:
        await caller.hang_up()
    items = await _transcript(rt, "openai", session_id, 3)
    replies = _said(items, "assistant")
    assert any("UTC" in r for r in replies), replies  # the clock tool, called by the model
    interrupted = next(r for r in replies if r and NEEDS_A_MODEL.startswith(r[:20]))
    assert len(words(interrupted)) < len(words(NEEDS_A_MODEL)), replies
    assert "goodbye" in replies[-1].lower(), replies


async def test_a_killed_worker_resumes_the_realtime_call_with_its_history(
    rt: RealtimeStack,
) -> None:
    caller = await _join(rt, "azure")
    session_id = await caller.room.sid
    try:
        await _turn(caller, SENTENCE)
        serving = rt.serving(caller.token["roomName"])
        await caller.say("Please tell me a long story about the sea.")
        await asyncio.wait_for(caller.ear.started.wait(), REPLY_S)
        caller.ear.reset()
        serving.kill()
        await caller.hear_reply(REPLY_S)  # the replacement says it is back
        await _turn(caller, "What did I just ask you?")
    finally:
        await caller.hang_up()
    # the reply cut by the kill may be lost with its worker; "I'm back" is not a turn
    items = await _transcript(rt, "azure", session_id, 3, replies=3)
    users, replies = _said(items, "user"), _said(items, "assistant")
    # the new realtime session was given the conversation: it quotes what the dead agent heard
    assert f"Before that you said: {users[1]}" in replies, items


async def test_the_cascade_takes_over_when_the_realtime_service_dies(rt: RealtimeStack) -> None:
    caller = await _join(rt, "openai")
    session_id = await caller.room.sid
    try:
        await _turn(caller, SENTENCE)
        serving = rt.serving(caller.token["roomName"])
        rt.primary.kill()
        await wait_for(
            lambda: "the call goes on on the cascade" in serving.log_text(), 30, "the hand-over"
        )
        await _turn(caller, "What time is it right now?")
    finally:
        await caller.hang_up()
    items = await _transcript(rt, "openai", session_id, 2)
    assert [i["role"] for i in items].count("user") == 2, items
    assert "UTC" in _said(items, "assistant")[-1], items
    async with httpx.AsyncClient(base_url=rt.api.base_url, timeout=10) as client:
        resp = await client.get(
            f"/api/sessions/{session_id}/events", headers={"x-api-key": KEYS["openai"]}
        )
    failovers = [e["data"] for e in resp.json()["items"] if e["type"] == "provider_failover"]
    assert failovers and failovers[-1]["to"] == "cascaded", resp.json()


async def test_a_realtime_chain_fails_over_to_its_next_model(rt: RealtimeStack) -> None:
    """The OpenAI double is gone (the test before killed it): the chain's first model is
    refused, its second answers."""
    rt.primary.kill()
    before = connections(rt.secondary, PATHS["voicelive"])
    caller = await _join(rt, "failover", greeted=False)
    session_id = await caller.room.sid
    try:
        await _turn(caller, SENTENCE)
    finally:
        await caller.hang_up()
    assert connections(rt.secondary, PATHS["voicelive"]) > before
    items = await _transcript(rt, "failover", session_id, 1, replies=1)
    assert NEEDS_A_MODEL in _said(items, "assistant"), items
