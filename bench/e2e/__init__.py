"""End-to-end voice benchmark over real processes: voice-to-voice latency, then how many
concurrent calls one agent worker holds on this machine.

    .venv/bin/python -m bench.e2e [--turns 20] [--max-calls 16] [--skip-offline]
                                  [--skip-concurrency]

Starts Azurite, the Cosmos emulator, a LiveKit server and the API on free ports, then:

1. **Offline providers.** The agent's worker with its local providers (Whisper
   tiny.en, the offline responder, Piper) and one synthetic caller at a time
   (``harness.caller``: open sentences in Festival's voice over real WebRTC, no
   grammar) for ``--turns`` turns.
   Voice-to-voice is measured at the caller, from the end of the last voiced frame it
   sends to the first voiced frame of the reply it hears; the agent's own per-turn
   metrics (its log) and the transcript's timestamps split it into media in, end of
   turn, LLM, TTS, the rest inside the agent, and media out.
2. **Concurrency.** The same worker with providers of fixed latency and N concurrent
   callers, N = 1, 2, 4, 6, ... until the p95 voice-to-voice exceeds the N = 1 figure by
   more than 10 % or a turn fails. With the providers' time fixed, what grows is
   orchestration, VAD, the turn detector and media. Prints CPU and memory (RSS and PSS
   summed over the worker's process tree) per level.

Both parts run ``bench.fixed_worker``: ``agent_app``'s worker and job, reporting no CPU
load so that neither it nor the LiveKit server turns calls away (part 1 keeps the
agent's providers). The v1-mini turn detector judges many synthetic sentences unfinished
and then waits ``max_delay`` (2.5 s) instead of ``min_delay``: such turns are reported
as "held"; part 2 speaks sentences it usually judges finished, and takes a held turn's
extra wait out of its latency (the detector's verdict on a sentence is not load).

Every turn is accounted for: a turn without a reply, a reply that starts before the
caller has finished speaking, or a call that fails to start all count as failures.
Everything started is stopped at the end, on errors and on Ctrl-C.

Modules: ``worker`` (the measured worker), ``sampling`` (CPU and memory), ``records``
(per-turn records and the agent's metrics), ``offline`` (part 1), ``levels``,
``concurrency`` and ``report`` (part 2), ``__main__`` (the command line).
"""
