"""Build the STT, LLM and TTS chains from settings.

Each kind is an ordered list of provider names; more than one is wrapped in
livekit-agents' ``FallbackAdapter`` so a failing or slow provider hands the same
turn to the next one. A provider is a builder in the tables below, living in
``cloud/`` (one module per provider) or ``offline/``.

Cloud plugins are imported only when a chain names them: importing them all costs
about half a second of worker start-up (and of every pre-warmed process).
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from livekit.agents import llm, stt, tts, vad

from agent_app.providers.cloud import (
    anthropic,
    aws,
    azure_speech,
    deepgram,
    elevenlabs,
    google,
    openai,
)
from agent_app.providers.cloud.auth import TokenProvider
from agent_app.providers.cloud.model_check import ModelCheck
from agent_app.providers.offline import local
from agent_app.settings import AgentSettings

__all__ = [
    "FailoverOptions",
    "Providers",
    "TokenProvider",
    "build_llm",
    "build_providers",
    "build_stt",
    "build_tts",
    "import_plugins",
]

T = TypeVar("T")
Builder = Callable[[AgentSettings, TokenProvider | None], Awaitable[T]]

STT_BUILDERS: dict[str, Builder[stt.STT[Any]]] = {
    "local": local.build_stt,
    "openai": openai.build_stt,
    "azure": azure_speech.build_stt,
    "deepgram": deepgram.build_stt,
}
LLM_BUILDERS: dict[str, Builder[llm.LLM[Any]]] = {
    "local": local.build_llm,
    "openai": openai.build_llm,
    "azure-openai": openai.build_azure_llm,
    "anthropic": anthropic.build_llm,
    "google": google.build_llm,
    "aws": aws.build_llm,
}
TTS_BUILDERS: dict[str, Builder[tts.TTS[Any]]] = {
    "local": local.build_tts,
    "openai": openai.build_tts,
    "azure": azure_speech.build_tts,
    "elevenlabs": elevenlabs.build_tts,
    "aws": aws.build_tts,
}
PLUGINS: dict[str, str] = {
    "openai": openai.PLUGIN,
    "azure-openai": openai.PLUGIN,
    "azure": azure_speech.PLUGIN,
    "anthropic": anthropic.PLUGIN,
    "google": google.PLUGIN,
    "deepgram": deepgram.PLUGIN,
    "elevenlabs": elevenlabs.PLUGIN,
    "aws": aws.PLUGIN,
}
"""The livekit plugin module each cloud provider name needs imported at start-up."""
CREDENTIALS: dict[str, Callable[[AgentSettings], list[str]]] = {
    "anthropic": anthropic.missing_credentials,
    "google": google.missing_credentials,
    "deepgram": deepgram.missing_credentials,
    "elevenlabs": elevenlabs.missing_credentials,
    "aws": aws.missing_credentials,
}
"""The settings a provider cannot work without, by name: what is missing."""
MODEL_CHECKS: dict[str, Callable[[AgentSettings], ModelCheck]] = {
    "anthropic": anthropic.model_check,
    "google": google.model_check,
    "elevenlabs": elevenlabs.model_check,
}
"""Providers that can be asked at start-up whether they offer the configured model."""


@dataclass(frozen=True)
class FailoverOptions:
    """How quickly a chain gives up on one provider and tries the next."""

    llm_attempt_timeout: float = 5.0
    """Seconds an LLM may take to start answering before the next one is tried."""
    stt_attempt_timeout: float = 10.0
    """Seconds an STT attempt may take."""
    tts_max_retry: int = 1
    """Retries of one TTS before moving on."""


@dataclass
class Providers:
    """The three chains a session uses."""

    stt: stt.STT[Any]
    """Speech-to-text (possibly a FallbackAdapter)."""
    llm: llm.LLM[Any]
    """The language model (possibly a FallbackAdapter)."""
    tts: tts.TTS[Any]
    """Text-to-speech (possibly a FallbackAdapter)."""


def import_plugins(settings: AgentSettings) -> list[str]:
    """Import the cloud plugins the chains name; call on the main thread (plugins register
    there), i.e. at start-up and in prewarm. Returns the imported modules."""
    names = {*settings.chain("stt"), *settings.chain("llm"), *settings.chain("tts")}
    modules = sorted({PLUGINS[name] for name in names if name in PLUGINS})
    for module in modules:
        importlib.import_module(module)
    return modules


def _builder(table: dict[str, Builder[T]], kind: str, name: str) -> Builder[T]:
    try:
        return table[name]
    except KeyError:
        raise ValueError(f"no {kind} provider named {name!r}") from None


async def build_stt(
    settings: AgentSettings, name: str, *, tokens: TokenProvider | None = None
) -> stt.STT[Any]:
    return await _builder(STT_BUILDERS, "STT", name)(settings, tokens)


async def build_llm(
    settings: AgentSettings, name: str, *, tokens: TokenProvider | None = None
) -> llm.LLM[Any]:
    return await _builder(LLM_BUILDERS, "LLM", name)(settings, tokens)


async def build_tts(
    settings: AgentSettings, name: str, *, tokens: TokenProvider | None = None
) -> tts.TTS[Any]:
    return await _builder(TTS_BUILDERS, "TTS", name)(settings, tokens)


async def build_providers(
    settings: AgentSettings,
    vad_model: vad.VAD,
    *,
    failover: FailoverOptions | None = None,
    tokens: TokenProvider | None = None,
) -> Providers:
    """Every chain in ``settings``, each wrapped for failover when it has several links."""
    opts = failover or FailoverOptions()
    stts = [await build_stt(settings, n, tokens=tokens) for n in settings.chain("stt")]
    llms = [await build_llm(settings, n, tokens=tokens) for n in settings.chain("llm")]
    ttss = [await build_tts(settings, n, tokens=tokens) for n in settings.chain("tts")]
    return Providers(
        stt=stts[0]
        if len(stts) == 1
        else stt.FallbackAdapter(stts, vad=vad_model, attempt_timeout=opts.stt_attempt_timeout),
        llm=llms[0]
        if len(llms) == 1
        else llm.FallbackAdapter(llms, attempt_timeout=opts.llm_attempt_timeout),
        tts=ttss[0]
        if len(ttss) == 1
        else tts.FallbackAdapter(ttss, max_retry_per_tts=opts.tts_max_retry),
    )
