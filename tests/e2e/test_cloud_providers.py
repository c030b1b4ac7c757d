"""Every new cloud provider holds a spoken turn in a real call: real LiveKit server, the
real API and agent worker, the synthetic caller speaking over WebRTC, and the providers'
real plugins talking to local servers that speak each one's wire protocol (recognising
and synthesising real speech). One worker holds every provider's key and endpoint; each
tenant's profile picks the chains of its calls, so each provider is the only one in its
stage for some call without restarting anything:

- ``claude``: Deepgram hears, Anthropic answers, ElevenLabs speaks;
- ``amazon``: Bedrock answers and Polly speaks;
- ``gemini`` beside ``openai``: two tenants, each on its own language model;
- ``failover``: Anthropic is down and Bedrock answers the same turn, recorded as a
  ``provider_failover`` session event.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from harness.agent import start_agent
from harness.api import ApiProcess, api_environment
from harness.caller import CallResult, call, voice
from harness.caller.voice import OPEN_SENTENCES
from harness.doubles import (
    AnthropicServer,
    BedrockServer,
    DeepgramServer,
    ElevenLabsServer,
    GeminiServer,
    OpenAIServer,
    PollyServer,
    serve,
)
from harness.doubles.aws import ACCESS_KEY_ID, SECRET_ACCESS_KEY
from harness.emulators import Emulators
from harness.livekit import start_livekit
from harness.ports import free_port
from harness.processes import ManagedProcess

pytestmark = pytest.mark.e2e

PROFILES: dict[str, dict[str, Any]] = {
    "claude": {"stt": ["deepgram"], "llm": ["anthropic"], "tts": ["elevenlabs"]},
    "amazon": {"stt": ["deepgram"], "llm": ["aws"], "tts": ["aws"]},
    "gemini": {"stt": ["local"], "llm": ["google"], "tts": ["local"]},
    "openai": {"stt": ["local"], "llm": ["openai"], "tts": ["local"]},
    "failover": {"stt": ["local"], "llm": ["anthropic", "aws"], "tts": ["local"]},
}
KEYS = {tenant: f"{tenant}-e2e-key-0123456789" for tenant in PROFILES}
OPENAI_REPLY = "This is OpenAI, answering you."


@dataclass
class Doubles:
    deepgram: DeepgramServer
    anthropic: AnthropicServer
    elevenlabs: ElevenLabsServer
    bedrock: BedrockServer
    polly: PollyServer
    gemini: GeminiServer
    openai: OpenAIServer


@dataclass
class CloudStack:
    api: ApiProcess
    agent: ManagedProcess
    doubles: Doubles


@pytest.fixture(scope="module")
async def cloud(
    emulators: Emulators, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[CloudStack]:
    work = tmp_path_factory.mktemp("cloud")
    doubles = Doubles(
        DeepgramServer(),
        AnthropicServer(),
        ElevenLabsServer(),
        BedrockServer(),
        PollyServer(),
        GeminiServer(),
        OpenAIServer(reply=OPENAI_REPLY),
    )
    async with AsyncExitStack() as stack:
        url = {
            name: await stack.enter_async_context(serve(server.app()))
            for name, server in vars(doubles).items()
        }
        port = free_port()
        livekit = start_livekit(work, webhook_url=f"http://127.0.0.1:{port}/api/livekit/webhook")
        stack.callback(livekit.stop)
        api = ApiProcess(
            work,
            api_environment(emulators, livekit_url=livekit.ws_url),
            port,
            api_key=",".join(f"{tenant}={key}" for tenant, key in KEYS.items()),
        )
        stack.callback(api.stop)
        await asyncio.to_thread(api.start)
        env = {
            # the worker's own chains name every provider, so its start-up checks ask each
            # server that can be asked whether it offers the model and takes the key
            "STT_PROVIDERS": "deepgram,local",
            "LLM_PROVIDERS": "anthropic,google,aws,openai,local",
            "TTS_PROVIDERS": "elevenlabs,aws,local",
            "DEEPGRAM_BASE_URL": f"{url['deepgram']}/v1/listen",
            "DEEPGRAM_API_KEY": doubles.deepgram.api_key,
            "ANTHROPIC_BASE_URL": url["anthropic"],
            "ANTHROPIC_API_KEY": doubles.anthropic.api_key,
            "ELEVENLABS_BASE_URL": f"{url['elevenlabs']}/v1",
            "ELEVENLABS_API_KEY": doubles.elevenlabs.api_key,
            "GOOGLE_GEMINI_BASE_URL": url["gemini"],
            "GOOGLE_API_KEY": doubles.gemini.api_key,
            "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": url["bedrock"],
            "AWS_ENDPOINT_URL_POLLY": url["polly"],
            "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
            "OPENAI_BASE_URL": f"{url['openai']}/v1",
            "OPENAI_API_KEY": "sk-e2e",
        }
        # off the loop: the wire servers on it answer the worker's start-up checks
        agent = await asyncio.to_thread(
            start_agent, work, livekit.ws_url, api.base_url, api.agent_key, extra_env=env
        )
        stack.callback(agent.stop, timeout=30)
        async with httpx.AsyncClient(base_url=api.base_url, timeout=10) as client:
            for tenant, chains in PROFILES.items():
                profile = {
                    "greeting": f"Hello from the {tenant} tenant.",
                    "sttProviders": chains["stt"],
                    "llmProviders": chains["llm"],
                    "ttsProviders": chains["tts"],
                }
                resp = await client.put(
                    "/api/tenant/profile", json=profile, headers={"x-api-key": KEYS[tenant]}
                )
                assert resp.status_code == 200, resp.text
        yield CloudStack(api, agent, doubles)


async def spoken_turn(cloud: CloudStack, tenant: str, sentence: str) -> CallResult:
    """One call of ``tenant``: the greeting, one sentence, its spoken reply."""
    result = await call(cloud.api.base_url, KEYS[tenant], [sentence], reply_timeout=30)
    assert result.all_replied, cloud.agent.tail(60)
    return result


def replies(result: CallResult) -> list[str]:
    return [str(i["text"]) for i in result.transcript if i["role"] == "assistant"]


def echoed(result: CallResult, provider: str) -> float:
    """Word accuracy of what ``provider``'s model says it was told against what the caller
    said: the caller's words went through recognition to that very model."""
    prefix = f"This is {provider}. You said: "
    told = [r.removeprefix(prefix) for r in replies(result) if r.startswith(prefix)]
    return voice.word_accuracy([(" ".join(t.said for t in result.turns), " ".join(told))])


async def test_deepgram_anthropic_and_elevenlabs_hold_a_spoken_turn(cloud: CloudStack) -> None:
    sentence = OPEN_SENTENCES[1]  # "The train to the city was late again this morning."
    result = await spoken_turn(cloud, "claude", sentence)
    assert result.word_accuracy >= 0.8, (result.heard, cloud.agent.tail(40))
    assert echoed(result, "Claude") >= 0.8, result.transcript
    doubles = cloud.doubles
    assert doubles.deepgram.finals, "Deepgram recognised the caller"
    spoken = " ".join(text for _, text in doubles.elevenlabs.spoken)
    assert "This is Claude." in spoken and "Hello from the claude tenant." in spoken


async def test_bedrock_and_polly_hold_a_spoken_turn(cloud: CloudStack) -> None:
    sentence = OPEN_SENTENCES[8]  # "The meeting was moved because the manager is traveling."
    polly_before = len(cloud.doubles.polly.requests)
    result = await spoken_turn(cloud, "amazon", sentence)
    assert result.word_accuracy >= 0.8, (result.heard, cloud.agent.tail(40))
    assert echoed(result, "Bedrock") >= 0.8, result.transcript
    spoken = [r["body"]["Text"] for r in cloud.doubles.polly.requests[polly_before:]]
    assert any(text.startswith("This is Bedrock.") for text in spoken), spoken


async def test_a_tenant_on_gemini_beside_a_tenant_on_openai(cloud: CloudStack) -> None:
    gemini, openai = await asyncio.gather(
        spoken_turn(cloud, "gemini", OPEN_SENTENCES[9]),
        spoken_turn(cloud, "openai", OPEN_SENTENCES[11]),
    )
    assert echoed(gemini, "Gemini") >= 0.8, gemini.transcript
    assert not any("OpenAI" in r for r in replies(gemini))
    assert OPENAI_REPLY in replies(openai), openai.transcript
    assert not any("Gemini" in r for r in replies(openai))


async def test_anthropic_down_bedrock_answers_the_same_turn(cloud: CloudStack) -> None:
    anthropic = cloud.doubles.anthropic
    anthropic.behaviour.status = 529  # Anthropic's "overloaded"
    try:
        result = await spoken_turn(cloud, "failover", OPEN_SENTENCES[4])
    finally:
        anthropic.behaviour.status = 200
    assert echoed(result, "Bedrock") >= 0.8, result.transcript
    async with httpx.AsyncClient(base_url=cloud.api.base_url, timeout=10) as client:
        events: list[dict[str, Any]] = []
        for _ in range(40):  # the outbox delivers in the background: bounded polling
            resp = await client.get(
                f"/api/sessions/{result.session_id}/events", headers={"x-api-key": KEYS["failover"]}
            )
            events = resp.json().get("items", []) if resp.status_code == 200 else []
            if any(e["type"] == "provider_failover" for e in events):
                break
            await asyncio.sleep(0.5)
    failovers = [e["data"] for e in events if e["type"] == "provider_failover"]
    assert failovers and failovers[0]["stage"] == "llm", events
    assert "anthropic" in failovers[0]["provider"], failovers
