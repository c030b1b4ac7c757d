"""The worker process: registers with LiveKit under ``AGENT_NAME`` and runs one job per room.

``python -m agent_app start`` (production), ``dev`` (local server, debug logs),
``console`` (talk from the terminal) and ``download-files`` (model files at build time)
come from the livekit-agents CLI.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import threading

import uvloop
from livekit.agents import AgentServer, JobExecutorType, JobProcess, cli, inference
from livekit.rtc._ffi_client import FfiClient

from agent_app.api.client import ParleyApi
from agent_app.api.handoff import open_handoff
from agent_app.api.redelivery import Redeliverer
from agent_app.call.job import entrypoint
from agent_app.observability import redaction, telemetry
from agent_app.providers import startup
from agent_app.providers.chains import import_plugins
from agent_app.providers.offline.local import warm_local_models
from agent_app.providers.realtime.chain import import_realtime_plugins
from agent_app.recovery.liveness import LivenessOptions, Watchdog, livekit_remover
from agent_app.runtime import capacity, connect_guard, ffi_routing, shared_loop
from agent_app.runtime.inline_executor import InlineExecutor
from agent_app.runtime.native_logs import keep_native_logs_native
from agent_app.settings import AgentSettings

logger = logging.getLogger("parley.agent.worker")

_setup_lock = threading.Lock()
_done: set[str] = set()


def _once(step: str) -> bool:
    """True the first time ``step`` is asked for in this process (caller holds the lock)."""
    if step in _done:
        return False
    _done.add(step)
    return True


def setup_process(settings: AgentSettings, *, models: bool) -> None:
    """Process-wide set-up, each part once per process: livekit.rtc's native logs,
    event routing and connect guard, the loop monitor, log redaction, telemetry exporters
    and cloud plugins, then (``models``) the native VAD and end-of-turn models, after
    which the start-up heap is frozen.
    With the thread executor the worker and every job's prewarm share one process, and
    exporters must not be installed twice."""
    with _setup_lock:
        if _once("process"):
            if not settings.rtc_log_capture:
                keep_native_logs_native()  # before anything starts livekit.rtc's runtime
            if settings.job_executor != "process":
                start_rtc_runtime()  # before any job: calls share this process's runtime
            # read by livekit-agents when it starts monitoring a loop, after this
            os.environ["LIVEKIT_AGENTS_LOOP_BLOCK_WARN_MS"] = str(settings.loop_block_warn_ms)
            ffi_routing.install()  # before any job opens a room
            connect_guard.install()  # a job cancelled while it joins must not panic the FFI
            redaction.install(settings)
            telemetry.configure(settings)
            import_plugins(settings)  # only what the chains use, so start-up stays fast
            import_realtime_plugins(settings)
        if models and _once("models"):
            from livekit.local_inference import init_eot, init_vad

            init_vad()
            if settings.turn_detection == "model":
                init_eot()  # the v1-mini end-of-turn model (~108 MB), in livekit-local-inference
            warm_local_models(settings)  # Whisper and Piper: seconds, so never inside a call
            freeze_start_up_heap()  # last: everything loaded so far lives as long as we do


def start_rtc_runtime() -> FfiClient:
    """Create livekit.rtc's native runtime client now, on this thread, once.
    livekit.rtc makes it on first use, without a lock: the first two calls of a fresh
    worker, starting together on two threads, each made one. The call whose room had
    subscribed to the discarded client's queue never heard its connect callback;
    livekit-ffi gave up on the handshake 15 s later ("timed out waiting for
    ReadyForRoomEventRequest") with a panic, and livekit.rtc answers every panic
    with SIGTERM to its own process: every call in the worker ended.
    Upstream: not filed; the lazy, unlocked ``FfiClient.instance`` is in livekit.rtc 1.1.21."""
    client: FfiClient = FfiClient.instance
    return client


def freeze_start_up_heap() -> None:
    """Take what start-up left alive (modules, models, settings: ~180,000 objects) out of
    the cyclic garbage collector's reach for good. A full collection holds the GIL, so it
    stops every call in the process while it walks the heap, and this start-up heap, which
    never dies, was most of it: ~90 ms on an idle core, up to ~600 ms under load.
    Collected first, so no garbage is frozen. Process set-up calls it before any call
    starts: a call's objects frozen with it would never be collected."""
    gc.collect()
    gc.freeze()


def prewarm(proc: JobProcess) -> None:
    """Once per job process (or job thread), before any job: models and settings, so a
    job starts fast."""
    settings = AgentSettings()
    setup_process(settings, models=True)
    proc.userdata["settings"] = settings
    # scored in place: the hand-off to a thread per call cost more than the inference
    proc.userdata["vad"] = inference.VAD(executor=InlineExecutor())


EXECUTORS = {
    "thread": JobExecutorType.THREAD,
    "loop": JobExecutorType.THREAD,  # livekit-agents' thread executor, made shared_loop's
    "process": JobExecutorType.PROCESS,
}


def build_server(settings: AgentSettings) -> AgentServer:
    """An AgentServer for explicit dispatch by name, with drain fitted to the grace period
    and load reported as active calls over measured capacity (capacity.py)."""
    calls = capacity.max_calls(settings)
    idle = settings.num_idle_processes
    if settings.job_executor == "loop":
        shared_loop.install()
    server = AgentServer(
        ws_url=settings.livekit_url,
        api_key=settings.livekit_api_key,
        api_secret=settings.livekit_api_secret.get_secret_value(),
        port=settings.health_port,
        drain_timeout=settings.drain_timeout_seconds,
        load_fnc=capacity.CallLoad(calls),
        load_threshold=settings.load_threshold,
        job_executor_type=EXECUTORS[settings.job_executor],
        num_idle_processes=AgentServer._default_num_idle_processes if idle is None else idle,
        shutdown_process_timeout=settings.job_shutdown_timeout_seconds,
        setup_fnc=prewarm,
    )
    logger.info(
        "worker capacity",
        extra={"max_calls": calls, "executor": settings.job_executor, "idle": idle},
    )
    # a non-empty agent name turns off automatic dispatch: the API dispatches explicitly
    server.rtc_session(entrypoint, agent_name=settings.agent_name)
    return server


def main() -> None:
    try:
        # before anything starts: a configuration that cannot serve a call stops here
        settings = startup.load_settings()
    except startup.ConfigurationError as e:
        raise SystemExit(f"parley agent: bad configuration: {e}") from None
    setup_process(settings, models=False)
    logger.info(
        "starting agent worker",
        extra={
            "agent_name": settings.agent_name,
            "stt": settings.chain("stt"),
            "llm": settings.chain("llm"),
            "tts": settings.chain("tts"),
        },
    )
    if settings.redis_url is not None:
        start_watchdog(settings)
    start_redelivery(settings)
    # every loop made from here on (the worker's, each job thread's) is uvloop's: its
    # cross-thread wake-ups and timers cost less on the interpreter that all calls share
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    cli.run_app(build_server(settings))


def start_redelivery(settings: AgentSettings) -> None:
    """Deliver what closed calls could not (handoff.py): from Redis, or this disk."""
    handoff = open_handoff(settings)

    def api_for(tenant: str | None) -> ParleyApi:
        return ParleyApi(
            settings.parley_api_url,
            settings.parley_agent_key.get_secret_value(),
            timeout=settings.api_timeout_seconds,
            tenant=tenant,
        )

    Redeliverer(handoff, api_for).start_thread()


def start_watchdog(settings: AgentSettings) -> None:
    """Watch the other workers' sessions: a lapsed lease means a dead agent (liveness.py)."""
    assert settings.redis_url is not None
    remover = livekit_remover(
        settings.livekit_url,
        settings.livekit_api_key,
        settings.livekit_api_secret.get_secret_value(),
        timeout=settings.api_timeout_seconds,
    )
    options = LivenessOptions.for_ttl(
        settings.agent_lease_ttl_seconds, settings.state_ttl_seconds, settings.azure_client_id
    )
    Watchdog(settings.redis_url.get_secret_value(), remover, options).start_thread()
