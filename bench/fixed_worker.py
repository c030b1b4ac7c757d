"""The real agent worker with providers of fixed, known latency (for ``bench.e2e``).

    .venv/bin/python -m bench.fixed_worker start

Everything is ``agent_app``'s own worker and job (dispatch, room I/O, VAD, the v1-mini
end-of-turn model, transcripts, state), except:

- ``agent_app.call.pipelines.build_providers`` returns the fakes of ``bench.agent_fakes``
  (``BENCH_PROVIDERS=agent`` keeps the agent's own providers);
- the worker reports no CPU load. A worker reports the machine's CPU use, and the
  LiveKit server offers jobs only to workers below ``agents.target_load`` (0.7 unless
  configured) and weighs them by 1 - load, whatever the worker's own
  ``LOAD_THRESHOLD``: on a machine shared with other work, or under the load the
  benchmark creates on purpose, calls would go unanswered instead of getting slower.

Job processes are forked from a forkserver that never ran this module, so the worker's
process setup and entrypoint are replaced by thin wrappers defined here: unpickling
them in a job process imports this module, which installs the fakes there too.
"""

from __future__ import annotations

import os
from typing import Any

from livekit.agents import AgentServer, JobContext, JobProcess, vad

from agent_app.call import job, pipelines
from agent_app.providers.chains import Providers
from agent_app.runtime import worker
from agent_app.settings import AgentSettings
from bench.agent_fakes import FixedLLM, FixedSTT, FixedTTS, Latencies

LATENCIES = Latencies()
"""What the fake providers take; ``bench.e2e`` subtracts the same numbers."""
REPLY_AUDIO_SECONDS = 1.0
"""Length of each spoken reply (a tone), so the worker also carries outbound media."""

_real_prewarm = worker.prewarm
_real_entrypoint = job.entrypoint


async def fixed_providers(settings: AgentSettings, vad_model: vad.VAD, **_: Any) -> Providers:
    """Stands in for ``agent_app.providers.chains.build_providers`` (its keyword options,
    failover and tokens, mean nothing to fixed providers)."""
    return Providers(
        stt=FixedSTT(LATENCIES.stt),
        llm=FixedLLM(LATENCIES.llm_ttft),
        tts=FixedTTS(LATENCIES.tts_ttfb, audio_seconds=REPLY_AUDIO_SECONDS),
    )


def no_load() -> float:
    return 0.0


class UnloadedServer(AgentServer):
    """``agent_app.runtime.worker.build_server``'s server, reporting no load."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**{**options, "load_fnc": no_load})


def fixed_prewarm(proc: JobProcess) -> None:
    """The worker's own prewarm, in a process where the fakes are installed."""
    _real_prewarm(proc)


async def fixed_entrypoint(ctx: JobContext) -> None:
    """The worker's own job entrypoint, in a process where the fakes are installed."""
    await _real_entrypoint(ctx)


def install() -> None:
    """Route provider construction to the fakes, and the worker to the wrappers above."""
    # names the modules import rather than define, hence not "exported" to mypy
    if os.environ.get("BENCH_PROVIDERS", "fixed") == "fixed":
        pipelines.build_providers = fixed_providers  # type: ignore[attr-defined]
    worker.AgentServer = UnloadedServer  # type: ignore[attr-defined]
    worker.prewarm = fixed_prewarm
    worker.entrypoint = fixed_entrypoint  # type: ignore[attr-defined]


install()  # at import: also in every job process that unpickles the wrappers

if __name__ == "__main__":
    # Run as ``-m``, this file is ``__main__``, whose functions cannot be pickled by
    # reference into a job process: install the copies from the importable module.
    import bench.fixed_worker

    bench.fixed_worker.install()
    worker.main()
