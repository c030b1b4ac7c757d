"""The real agent worker with providers of fixed latency, for ``bench.capacity``.

    .venv/bin/python -m bench.capacity.worker start

Everything is ``agent_app``'s own worker and job (dispatch, room I/O, VAD, the v1-mini
end-of-turn model, transcripts, events, state, the worker's executor and load), except
``agent_app.call.pipelines.build_providers``, which returns fixed-latency fakes. ``BENCH_STT``
picks the STT: ``streaming`` (default; endpoints on the session VAD's end of speech, or
on the audio level with ``BENCH_STT_ENDPOINT=level``; no second VAD) or ``batch``
(``bench.agent_fakes.FixedSTT``, wrapped by livekit-agents in a ``StreamAdapter`` that
runs a VAD of its own on every call, as a non-streaming STT does in production).
``BENCH_MEDIA=legacy`` restores livekit-agents' default room input (24 kHz, gain
control) in place of ``agent_app.runtime.room_audio``'s, to measure what that change saves.

With the process executor, job processes are forked from a forkserver that never ran
this module, so the worker's prewarm and entrypoint are replaced by thin wrappers
defined here: unpickling them in a job process imports this module, which installs the
fakes there too.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
from typing import Any

from livekit.agents import (
    AgentSession,
    AgentStateChangedEvent,
    JobContext,
    JobProcess,
    UserStateChangedEvent,
    get_job_context,
    room_io,
    stt,
    vad,
)

from agent_app.call import job, pipelines
from agent_app.providers.chains import FailoverOptions, Providers, TokenProvider
from agent_app.runtime import room_audio, worker
from agent_app.settings import AgentSettings
from bench.agent_fakes import FixedLLM, FixedSTT, FixedTTS, Latencies
from bench.capacity.fakes import EndpointingSTT
from bench.capacity.levels import GC_PAUSE_MARK, TURN_MARK

LATENCIES = Latencies()
"""What the fake providers take."""
STT_SILENCE = 0.25
"""Silence after which the streaming fake endpoints on the level (``BENCH_STT_ENDPOINT=
level``): the session VAD's own window."""
REPLY_AUDIO_SECONDS = 1.0
"""Length of each spoken reply (a tone), so the worker also carries outbound media."""
GC_PAUSE_LOG_MS = 10.0
"""Collections shorter than this are not logged."""

_real_prewarm = worker.prewarm
_real_entrypoint = job.entrypoint


def bench_stt() -> stt.STT[None]:
    if os.environ.get("BENCH_STT", "streaming") == "batch":
        return FixedSTT(LATENCIES.stt)
    if os.environ.get("BENCH_STT_ENDPOINT") == "level":
        return EndpointingSTT(LATENCIES.stt, STT_SILENCE, on="level")
    # the VAD's end of speech comes after its own 250 ms of silence: answering then, the
    # transcript lands ~60 ms after the level test's did (stt_delay ~270 against ~205 ms)
    return EndpointingSTT(0.0, STT_SILENCE, on="vad")


def endpoint_on_the_vad(session: AgentSession[Any]) -> None:
    """Tell the session's stand-in STT when the session's VAD hears the user stop."""
    fake = session.stt
    if not isinstance(fake, EndpointingSTT) or fake.endpoints_on != "vad":
        return

    def on_user_state(ev: UserStateChangedEvent) -> None:
        if ev.old_state == "speaking" and ev.new_state == "listening":
            fake.speech_ended()

    session.on("user_state_changed", on_user_state)


def mark_turns(session: AgentSession[Any]) -> None:
    """Log, in Unix time, where the session's VAD places the end of each of the caller's
    sentences and when the agent starts to play its reply: ``bench.capacity`` splits each
    turn's voice-to-voice at these two points. Straight to stderr, as the GC pauses."""
    try:
        room = get_job_context().room.name
    except RuntimeError:  # a session outside a job: no room to line the turns up by
        return

    def on_user_state(ev: UserStateChangedEvent) -> None:
        # created_at is livekit's estimate of the end of speech: the moment the VAD
        # decided, less the silence it waited for (and its inference time)
        if ev.old_state == "speaking" and ev.new_state == "listening":
            sys.stderr.write(f"{TURN_MARK} room={room} heard_until={ev.created_at:.6f}\n")

    def on_agent_state(ev: AgentStateChangedEvent) -> None:
        if ev.new_state == "speaking":
            sys.stderr.write(f"{TURN_MARK} room={room} replying_at={ev.created_at:.6f}\n")

    session.on("user_state_changed", on_user_state)
    session.on("agent_state_changed", on_agent_state)


# Run as ``-m``, this module is imported twice (as ``__main__`` and by name), and each
# install() wraps ``AgentSession.__init__``: wrap livekit's own, never a wrapper, or
# every session gets two listeners and its STT two transcripts per end of speech.
_real_session_init = getattr(AgentSession.__init__, "bench_wraps", AgentSession.__init__)


def session_init(self: AgentSession[Any], *args: Any, **kwargs: Any) -> None:
    _real_session_init(self, *args, **kwargs)
    endpoint_on_the_vad(self)
    mark_turns(self)


session_init.bench_wraps = _real_session_init  # type: ignore[attr-defined]


async def fixed_providers(
    settings: AgentSettings,
    vad_model: vad.VAD,
    *,
    failover: FailoverOptions | None = None,
    tokens: TokenProvider | None = None,
) -> Providers:
    """Stands in for ``agent_app.providers.chains.build_providers``."""
    return Providers(
        stt=bench_stt(),
        llm=FixedLLM(LATENCIES.llm_ttft),
        tts=FixedTTS(LATENCIES.tts_ttfb, audio_seconds=REPLY_AUDIO_SECONDS),
    )


def bench_prewarm(proc: JobProcess) -> None:
    """The worker's own prewarm, in a process where the fakes are installed."""
    _real_prewarm(proc)


async def bench_entrypoint(ctx: JobContext) -> None:
    """The worker's own job entrypoint, in a process where the fakes are installed."""
    await _real_entrypoint(ctx)


def log_gc_pauses() -> None:
    """Log every garbage collection of at least ``GC_PAUSE_LOG_MS``: it held the GIL, so
    every call in the worker stood still for that long. ``bench.capacity`` counts them
    per level. One write per pause, straight to stderr (the worker's log): a collection
    can start inside the logging module, with its lock held."""
    if any(getattr(cb, "bench_gc_pauses", False) for cb in gc.callbacks):
        return  # the module's second load (see _real_session_init)
    started: dict[int, float] = {}

    def on_gc(phase: str, info: dict[str, int]) -> None:
        thread = threading.get_ident()
        if phase == "start":
            started[thread] = time.perf_counter()
            return
        began = started.pop(thread, None)
        if began is None:
            return
        ms = (time.perf_counter() - began) * 1000
        if ms >= GC_PAUSE_LOG_MS:
            sys.stderr.write(f"{GC_PAUSE_MARK} gen={info['generation']} ms={ms:.1f}\n")

    on_gc.bench_gc_pauses = True  # type: ignore[attr-defined]
    gc.callbacks.append(on_gc)


def legacy_room_options() -> room_io.RoomOptions:
    """livekit-agents' defaults: 24 kHz input with automatic gain control."""
    return room_io.RoomOptions()


def no_local_models(settings: AgentSettings) -> list[str]:
    """The fakes need no offline models: loading Whisper or Piper would only add memory."""
    return []


def install() -> None:
    """Route provider construction to the fakes, and the worker to the wrappers above."""
    if os.environ.get("BENCH_MEDIA") == "legacy":
        room_audio.room_options = legacy_room_options
    # names the modules import rather than define, hence not "exported" to mypy
    pipelines.build_providers = fixed_providers  # type: ignore[attr-defined]
    worker.warm_local_models = no_local_models  # type: ignore[attr-defined]
    worker.prewarm = bench_prewarm
    worker.entrypoint = bench_entrypoint  # type: ignore[attr-defined]
    AgentSession.__init__ = session_init  # type: ignore[method-assign]
    log_gc_pauses()


install()  # at import: also in every job process that unpickles the wrappers

if __name__ == "__main__":
    # Run as ``-m``, this file is ``__main__``, whose functions cannot be pickled by
    # reference into a job process: install the copies from the importable module.
    import bench.capacity.worker

    bench.capacity.worker.install()
    worker.main()
