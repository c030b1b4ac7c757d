"""Build the STT, LLM and TTS chains from settings.

Cloud plugins are imported only when a chain names them: importing them all costs
about half a second of worker start-up (and of every pre-warmed process).

Each kind is an ordered list of provider names; more than one is wrapped in
livekit-agents' ``FallbackAdapter`` so a failing or slow provider hands the same
turn to the next one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from livekit.agents import NOT_GIVEN, llm, stt, tts, vad

from agent_app.providers.local_llm import OfflineLLM
from agent_app.providers.local_tts import ESpeakTTS
from agent_app.providers.piper_tts import PiperTTS, load_voice, piper_available
from agent_app.providers.whisper_stt import WhisperOptions, WhisperSTT, load_model
from agent_app.settings import AgentSettings

COGNITIVE_SCOPE = "https://cognitiveservices.azure.com/.default"

TokenProvider = Callable[[], Awaitable[str]]


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
    import importlib

    names = {*settings.chain("stt"), *settings.chain("llm"), *settings.chain("tts")}
    modules = []
    if names & {"openai", "azure-openai"}:
        modules.append("livekit.plugins.openai")
    if "azure" in names:
        modules.append("livekit.plugins.azure")
    for module in modules:
        importlib.import_module(module)
    return modules


def local_voice(settings: AgentSettings) -> str:
    """The engine behind the ``local`` TTS: Piper when asked for or installed, else eSpeak."""
    if settings.local_tts_voice == "auto":
        return "piper" if piper_available() else "espeak"
    return settings.local_tts_voice


def warm_local_models(settings: AgentSettings) -> list[str]:
    """Load the offline models the chains use (blocking; call in prewarm, once per process).

    A process is handed a job only once its prewarm is done, so a call never waits for a
    model; loading in a background thread instead was measured worse on a busy machine:
    it starved the process's own start-up (the GIL) until the pool timed it out. Returns
    what was loaded."""
    loaded = []
    if "local" in settings.chain("tts") and local_voice(settings) == "piper":
        load_voice(settings.local_tts_threads)
        loaded.append("piper")
    if "local" in settings.chain("stt"):
        load_model(settings.local_stt_threads)
        loaded.append("whisper")
    return loaded


def azure_token_provider(settings: AgentSettings) -> TokenProvider:
    """Managed-identity bearer tokens for Azure AI services (keyless access)."""
    from azure.identity.aio import DefaultAzureCredential, get_bearer_token_provider

    credential = DefaultAzureCredential(managed_identity_client_id=settings.azure_client_id)
    return get_bearer_token_provider(credential, COGNITIVE_SCOPE)


def _secret(value: object) -> str | None:
    from pydantic import SecretStr

    return value.get_secret_value() if isinstance(value, SecretStr) else None


def _openai_key(settings: AgentSettings) -> str:
    # OpenAI-compatible local servers often need no key, but the client requires one
    return _secret(settings.openai_api_key) or "unused"


async def _speech_auth_token(settings: AgentSettings, tokens: TokenProvider | None) -> str | None:
    """Entra ID token in the form Speech expects (``aad#{resourceId}#{token}``)."""
    if _secret(settings.azure_speech_key) or not settings.azure_speech_resource_id:
        return None
    provider = tokens or azure_token_provider(settings)
    return f"aad#{settings.azure_speech_resource_id}#{await provider()}"


async def build_stt(
    settings: AgentSettings,
    name: str,
    *,
    tokens: TokenProvider | None = None,
) -> stt.STT[Any]:
    if name == "local":
        whisper = WhisperSTT(
            options=WhisperOptions(
                cpu_threads=settings.local_stt_threads, beam_size=settings.local_stt_beam_size
            )
        )
        # loaded in prewarm; otherwise the first recognition waits for it, off the loop
        asyncio.get_running_loop().run_in_executor(None, whisper.warm)
        return whisper
    if name == "openai":
        from livekit.plugins import openai as openai_plugin

        return openai_plugin.STT(
            model=settings.openai_stt_model,
            base_url=settings.openai_base_url or NOT_GIVEN,
            api_key=_openai_key(settings),
            use_realtime=False,
        )
    if name == "azure":
        from livekit.plugins import azure as azure_plugin

        key = _secret(settings.azure_speech_key)
        token = await _speech_auth_token(settings, tokens)
        kwargs: dict[str, object] = {"language": settings.azure_speech_language}
        if settings.azure_speech_host:
            # a Speech container: the SDK talks to it directly, no credentials
            kwargs.update(speech_host=settings.azure_speech_host)
        elif settings.azure_speech_endpoint:
            if token:
                # the SDK takes a token with a region; an endpoint needs a key
                kwargs.update(speech_auth_token=token, speech_region=settings.azure_speech_region)
            else:
                kwargs.update(speech_endpoint=settings.azure_speech_endpoint, speech_key=key)
        elif token:
            kwargs.update(speech_auth_token=token, speech_region=settings.azure_speech_region)
        else:
            kwargs.update(speech_key=key, speech_region=settings.azure_speech_region)
        return azure_plugin.STT(**kwargs)  # type: ignore[arg-type]
    raise ValueError(f"no STT provider named {name!r}")


async def build_llm(
    settings: AgentSettings,
    name: str,
    *,
    tokens: TokenProvider | None = None,
) -> llm.LLM[Any]:
    if name == "local":
        return OfflineLLM(persona=settings.persona)
    if name == "openai":
        from livekit.plugins import openai as openai_plugin

        return openai_plugin.LLM(
            model=settings.openai_llm_model,
            base_url=settings.openai_base_url or NOT_GIVEN,
            api_key=_openai_key(settings),
            max_retries=0,
        )
    if name == "azure-openai":
        from livekit.plugins import openai as openai_plugin

        key = _secret(settings.azure_openai_api_key)
        return openai_plugin.LLM.with_azure(
            model=settings.azure_openai_deployment or "gpt-4o-mini",
            azure_endpoint=settings.azure_openai_endpoint,
            azure_deployment=settings.azure_openai_deployment,
            api_version=settings.azure_openai_api_version,
            api_key=key,
            azure_ad_token_provider=None if key else (tokens or azure_token_provider(settings)),
        )
    raise ValueError(f"no LLM provider named {name!r}")


async def build_tts(
    settings: AgentSettings,
    name: str,
    *,
    tokens: TokenProvider | None = None,
) -> tts.TTS[Any]:
    if name == "local":
        if local_voice(settings) == "piper":
            return PiperTTS(cpu_threads=settings.local_tts_threads)
        return ESpeakTTS()
    if name == "openai":
        from livekit.plugins import openai as openai_plugin

        return openai_plugin.TTS(
            model=settings.openai_tts_model,
            voice=settings.openai_tts_voice,
            base_url=settings.openai_base_url or NOT_GIVEN,
            api_key=_openai_key(settings),
            response_format="pcm",
        )
    if name == "azure":
        from livekit.plugins import azure as azure_plugin

        token = await _speech_auth_token(settings, tokens)
        return azure_plugin.TTS(
            voice=settings.azure_speech_voice,
            language=settings.azure_speech_language,
            speech_key=_secret(settings.azure_speech_key),
            speech_region=settings.azure_speech_region,
            speech_endpoint=settings.azure_speech_endpoint,
            speech_auth_token=token,
        )
    raise ValueError(f"no TTS provider named {name!r}")


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
