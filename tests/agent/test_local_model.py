"""The ``openai`` provider against a real OpenAI-compatible server nobody here wrote:
llama-cpp-python's server with SmolLM2-135M (see ``make llm-deps``)."""

from __future__ import annotations

from typing import Any

import openai
from livekit.agents import APIConnectOptions
from livekit.agents import llm as lk_llm

from agent_app.call.assistant import ParleyAssistant
from agent_app.providers.chains import build_llm
from harness.agent_helpers import settings
from harness.local_model import LocalModelServer


async def test_the_openai_sdk_streams_a_completion_from_the_server(
    local_model_server: LocalModelServer,
) -> None:
    client = openai.AsyncOpenAI(base_url=local_model_server.base_url, api_key="unused", timeout=60)
    stream = await client.chat.completions.create(
        model=local_model_server.model,
        messages=[{"role": "user", "content": "Say hello in one short sentence."}],
        stream=True,
        max_tokens=24,
        temperature=0,
    )
    deltas = [chunk.choices[0].delta.content async for chunk in stream if chunk.choices]
    await client.close()
    pieces = [d for d in deltas if d]
    assert len(pieces) > 1, deltas  # token by token, not one block
    assert "".join(pieces).strip()


# One attempt with a generous timeout: this checks the protocol, not the speed of a
# shared test machine (a cold prompt with the tools' schemas takes seconds there).
ONE_PATIENT_ATTEMPT = APIConnectOptions(max_retry=0, timeout=60)


async def _reply(model: lk_llm.LLM[Any], ctx: lk_llm.ChatContext, tools: list[Any]) -> list[str]:
    pieces: list[str] = []
    async with model.chat(chat_ctx=ctx, tools=tools, conn_options=ONE_PATIENT_ATTEMPT) as stream:
        async for chunk in stream:
            if chunk.delta is not None and chunk.delta.content:
                pieces.append(chunk.delta.content)
    return pieces


async def test_the_agents_openai_provider_streams_a_reply_with_its_tools_declared(
    local_model_server: LocalModelServer,
) -> None:
    """What a turn sends: the persona prompt, the assistant's tools, no API key."""
    cfg = settings(
        llm_providers="openai",
        openai_base_url=local_model_server.base_url,
        openai_llm_model=local_model_server.model,
    )
    assert cfg.openai_api_key is None

    async def no_uploads() -> list[dict[str, Any]]:
        return []

    assistant = ParleyAssistant(instructions=cfg.persona_prompt(), list_uploads=no_uploads)
    ctx = lk_llm.ChatContext()
    ctx.add_message(role="system", content=cfg.persona_prompt())
    ctx.add_message(role="user", content="Hello! Who are you?")
    before = local_model_server.chat_requests()

    model = await build_llm(cfg, "openai")
    try:
        pieces = await _reply(model, ctx, list(assistant.tools))
    finally:
        await model.aclose()

    assert len(pieces) > 1, pieces
    assert "".join(pieces).strip()
    assert local_model_server.chat_requests() == before + 1, local_model_server.process.tail()
