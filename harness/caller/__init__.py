"""The synthetic caller: open sentences in a natural voice (not the agent's) over real
WebRTC into a room the API hands out, an ear that times the agent's spoken replies, whole
scripted calls, and word accuracy of what the agent heard (``voice``).

``scripts/caller.py`` is its command line; the end-to-end tests and ``bench.e2e`` use it.
"""

from harness.caller.audio import SAMPLE_RATE, keep_silence, speak, synthesize
from harness.caller.call import DEFAULT_SENTENCES, CallResult, Turn, call, read_transcript
from harness.caller.ear import AgentEar, wait_for_quiet
from harness.caller.line import Caller, join

__all__ = [
    "DEFAULT_SENTENCES",
    "SAMPLE_RATE",
    "AgentEar",
    "CallResult",
    "Caller",
    "Turn",
    "call",
    "join",
    "keep_silence",
    "read_transcript",
    "speak",
    "synthesize",
    "wait_for_quiet",
]
