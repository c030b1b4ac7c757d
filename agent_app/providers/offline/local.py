"""The ``local`` provider: which offline engine serves each kind, and loading them once."""

from __future__ import annotations

import asyncio
from typing import Any

from livekit.agents import llm, stt, tts

from agent_app.providers.offline.espeak_tts import ESpeakTTS
from agent_app.providers.offline.moonshine import load_model as load_moonshine
from agent_app.providers.offline.piper_tts import PiperTTS, load_voice, piper_available
from agent_app.providers.offline.responder import OfflineLLM
from agent_app.providers.offline.streaming_stt import StreamingLocalSTT, StreamingOptions
from agent_app.providers.offline.whisper_stt import WhisperOptions, WhisperSTT, load_model
from agent_app.settings import AgentSettings


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
        if settings.local_stt_engine == "streaming":
            load_moonshine(settings.local_stt_fast_threads)
            loaded.append("moonshine")
    return loaded


def streams_on_its_own(settings: AgentSettings) -> bool:
    """The streaming recogniser finalises when the session flushes it, and livekit's
    ``FallbackAdapter`` lets the session flush only when every link can be flushed; behind a
    cloud recogniser it would never finalise, so there the local link is Whisper on the
    session's VAD-bounded utterances, as before."""
    return settings.local_stt_engine == "streaming" and set(settings.chain("stt")) == {"local"}


async def build_stt(settings: AgentSettings, tokens: object = None) -> stt.STT[Any]:
    whisper = WhisperOptions(
        cpu_threads=settings.local_stt_threads, beam_size=settings.local_stt_beam_size
    )
    recogniser: WhisperSTT | StreamingLocalSTT
    if streams_on_its_own(settings):
        recogniser = StreamingLocalSTT(
            options=StreamingOptions(
                moonshine_threads=settings.local_stt_fast_threads,
                whisper=whisper,
                fallback_logprob=settings.local_stt_fallback_logprob,
            )
        )
    else:
        recogniser = WhisperSTT(options=whisper)
    # loaded in prewarm; otherwise the first recognition waits for it, off the loop
    asyncio.get_running_loop().run_in_executor(None, recogniser.warm)
    return recogniser


async def build_llm(settings: AgentSettings, tokens: object = None) -> llm.LLM[Any]:
    return OfflineLLM(persona=settings.persona)


async def build_tts(settings: AgentSettings, tokens: object = None) -> tts.TTS[Any]:
    if local_voice(settings) == "piper":
        return PiperTTS(cpu_threads=settings.local_tts_threads)
    return ESpeakTTS()
