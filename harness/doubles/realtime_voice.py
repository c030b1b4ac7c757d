"""What the realtime double thinks and speaks with: the agent's own offline engines.

It hears with Whisper tiny.en (as ``agent_app/providers/offline/whisper_stt.py`` loads it),
decides with the offline responder (``responder.py``: the time, documents, recall, small
talk, tool calls included) and speaks with Piper's voice, so a call through the double is
a conversation, not a canned byte stream. Audio on the wire is 24 kHz mono PCM16, as the
realtime protocols carry it.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
from livekit import rtc
from livekit.agents import llm

from agent_app.providers.offline.piper_tts import PiperTTS, piper_available
from agent_app.providers.offline.responder import TextPlan, ToolCallPlan, plan_reply
from agent_app.providers.offline.whisper_stt import WhisperOptions, to_mono_16k, transcribe

RATE = 24_000
"""The protocols' audio rate."""


def pcm_frame(pcm: bytes, rate: int = RATE) -> rtc.AudioFrame:
    return rtc.AudioFrame(
        data=pcm, sample_rate=rate, num_channels=1, samples_per_channel=len(pcm) // 2
    )


async def hear(pcm: bytes) -> str:
    """What the caller said in ``pcm`` (24 kHz), by Whisper on a worker thread."""
    if len(pcm) < 2:
        return ""
    samples = to_mono_16k(pcm_frame(pcm)).astype(np.float32) / 32768.0
    return await asyncio.to_thread(transcribe, samples, WhisperOptions(cpu_threads=1))


async def speak(text: str) -> bytes:
    """``text`` in Piper's voice as 24 kHz PCM16; the voice must be installed."""
    if not piper_available():
        raise RuntimeError("Piper is missing: run `make agent-models`")
    voice = PiperTTS(cpu_threads=1)
    pcm = await asyncio.to_thread(voice.synthesize_pcm, text)
    resampler = rtc.AudioResampler(
        voice.sample_rate, RATE, quality=rtc.AudioResamplerQuality.MEDIUM
    )
    frames = resampler.push(bytearray(pcm.tobytes())) + resampler.flush()
    return b"".join(bytes(f.data) for f in frames)


@dataclass(frozen=True)
class Decision:
    """The model's next output: words to say, or a tool to call."""

    text: str | None = None
    tool: str | None = None
    arguments: str = "{}"


def decide(items: list[dict[str, Any]], tool_names: set[str], persona: str) -> Decision:
    """The responder's answer to the conversation held on the server."""
    plan = plan_reply(conversation(items), tool_names, persona)
    if isinstance(plan, ToolCallPlan):
        return Decision(tool=plan.name, arguments=json.dumps(plan.arguments))
    assert isinstance(plan, TextPlan)
    return Decision(text=plan.text)


def conversation(items: list[dict[str, Any]]) -> llm.ChatContext:
    """The server's conversation items as a chat context (the responder's input)."""
    ctx = llm.ChatContext.empty()
    for item in items:
        kind = item.get("type")
        if kind == "message":
            text = " ".join(
                str(part.get("text") or part.get("transcript") or "")
                for part in item.get("content", [])
            ).strip()
            ctx.items.append(
                llm.ChatMessage(role=item.get("role", "user"), content=[text], id=item["id"])
            )
        elif kind == "function_call":
            ctx.items.append(
                llm.FunctionCall(
                    id=item["id"],
                    call_id=item["call_id"],
                    name=item["name"],
                    arguments=item.get("arguments", "{}"),
                )
            )
        elif kind == "function_call_output":
            ctx.items.append(
                llm.FunctionCallOutput(
                    id=item["id"],
                    call_id=item["call_id"],
                    name=_call_name(items, item["call_id"]),
                    output=str(item.get("output", "")),
                    is_error=False,
                )
            )
    return ctx


def _call_name(items: list[dict[str, Any]], call_id: str) -> str:
    return next(
        (
            str(i["name"])
            for i in items
            if i.get("type") == "function_call" and i["call_id"] == call_id
        ),
        "",
    )
