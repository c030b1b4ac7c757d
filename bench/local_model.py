"""The ``openai`` LLM provider against a local OpenAI-compatible server: time to first
token and tokens per second, as a voice turn sees them.

    .venv/bin/python -m bench.local_model [turns] [--threads N]

Starts llama-cpp-python's server with SmolLM2-135M from ``.venv-llm`` (``make
llm-deps``) on a free port and sends what a turn sends: the persona prompt, the
assistant's tools and a growing conversation, through the agent's own provider
(``build_llm``). The first request processes the whole prompt; later ones reuse the
server's cached prefix, which is what a conversation meets after its greeting.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from livekit.agents import APIConnectOptions
from livekit.agents import llm as lk_llm

from agent_app.call.assistant import ParleyAssistant
from agent_app.providers.chains import build_llm
from agent_app.settings import AgentSettings
from harness.local_model import LocalModelServer, start_local_model_server

QUESTIONS = [
    "Hello! Who are you?",
    "What can you help me with?",
    "Tell me a fun fact about the sea.",
    "How do I boil an egg?",
    "What is the capital of France?",
    "Give me a tip for sleeping better.",
    "Can you recommend a short book?",
    "What should I cook tonight?",
    "How far away is the moon?",
    "Thank you, goodbye.",
]
PATIENT = APIConnectOptions(max_retry=0, timeout=120)


@dataclass
class Sample:
    ttft: float
    """Seconds from the request to the first content token."""
    total: float
    """Seconds from the request to the end of the stream."""
    tokens: int
    """Content chunks streamed (llama.cpp streams one token per chunk and reports no
    usage in a stream)."""
    text: str

    @property
    def tokens_per_second(self) -> float:
        streaming = self.total - self.ttft
        return (self.tokens - 1) / streaming if self.tokens > 1 and streaming > 0 else 0.0


async def one_turn(model: lk_llm.LLM[Any], ctx: lk_llm.ChatContext, tools: list[Any]) -> Sample:
    start = time.perf_counter()
    first: float | None = None
    text, tokens = "", 0
    async with model.chat(chat_ctx=ctx, tools=tools, conn_options=PATIENT) as stream:
        async for chunk in stream:
            if chunk.delta is not None and chunk.delta.content:
                first = first if first is not None else time.perf_counter()
                text += chunk.delta.content
                tokens += 1
    end = time.perf_counter()
    return Sample(ttft=(first or end) - start, total=end - start, tokens=tokens, text=text)


async def run(server: LocalModelServer, turns: int) -> list[Sample]:
    settings = AgentSettings(
        llm_providers=["openai"], openai_base_url=server.base_url, openai_llm_model=server.model
    )

    async def no_uploads() -> list[dict[str, Any]]:
        return []

    tools = list(
        ParleyAssistant(instructions=settings.persona_prompt(), list_uploads=no_uploads).tools
    )
    model = await build_llm(settings, "openai")
    ctx = lk_llm.ChatContext()
    ctx.add_message(role="system", content=settings.persona_prompt())
    samples = []
    try:
        for i in range(turns):
            ctx.add_message(role="user", content=QUESTIONS[i % len(QUESTIONS)])
            sample = await one_turn(model, ctx, tools)
            ctx.add_message(role="assistant", content=sample.text)
            samples.append(sample)
            print(
                f"  turn {i:2d}: first token {sample.ttft * 1000:6.0f} ms, "
                f"{sample.tokens:3d} tokens, {sample.tokens_per_second:5.1f} tok/s"
            )
    finally:
        await model.aclose()
    return samples


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("turns", nargs="?", type=int, default=6)
    parser.add_argument("--threads", type=int, default=1, help="server threads (default 1)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        server = start_local_model_server(Path(work), threads=args.threads)
        try:
            print(f"llama_cpp.server with {server.model}, {args.threads} thread(s)")
            samples = asyncio.run(run(server, args.turns))
        finally:
            server.stop()
    warm = samples[1:] or samples
    ttfts = [s.ttft * 1000 for s in warm]
    rates = [s.tokens_per_second for s in samples if s.tokens_per_second > 0]
    print(f"first request (cold prompt): first token {samples[0].ttft * 1000:.0f} ms")
    print(
        f"later requests ({len(warm)}): first token p50 {_p(ttfts, 0.5):.0f} ms, "
        f"p95 {_p(ttfts, 0.95):.0f} ms"
    )
    if rates:
        print(f"generation: {statistics.median(rates):.1f} tokens/s (median)")


if __name__ == "__main__":
    main()
