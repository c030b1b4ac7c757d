"""One record per caller turn, with the agent's own metrics for it from its log, and
the timing the agent's configuration imposes on a turn."""

from __future__ import annotations

import inspect
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from livekit.agents import inference
from livekit.agents.voice.turn import _resolve_endpointing

from agent_app.call.turns import turn_handling
from bench.agent_fakes import Latencies
from harness.caller import CallResult

METRIC_KEYS = ("e2e_latency", "end_of_turn_delay", "stt_delay", "llm_ttft", "tts_ttfb")


@dataclass(frozen=True)
class Timing:
    """What the agent's configuration makes a turn wait, in seconds."""

    min_delay: float
    max_delay: float
    vad_silence: float

    @classmethod
    def of_agent(cls) -> Timing:
        """The worker's turn handling (``agent_app.call.turns.turn_handling``) resolved with
        livekit-agents' defaults, and the VAD the worker builds (``inference.VAD()``)."""
        options = turn_handling()
        endpointing = _resolve_endpointing(
            options.get("endpointing"), turn_detection=options.get("turn_detection")
        )
        silence = inspect.signature(inference.VAD).parameters["min_silence_duration"].default
        return cls(
            min_delay=float(endpointing["min_delay"]),
            max_delay=float(endpointing["max_delay"]),
            vad_silence=float(silence),
        )

    def held(self, agent: dict[str, float]) -> bool:
        """Whether the turn detector made this turn wait ``max_delay`` (its end-of-turn
        probability was under the threshold), judged from the agent's own delay: such a
        turn commits ``max_delay`` after the end of speech, to the millisecond."""
        delay = agent.get("end_of_turn_delay")
        return delay is not None and delay >= self.max_delay - 0.01

    def path(self, lat: Latencies, held: bool) -> float:
        """The wait the fixed providers and the endpointing impose on a turn: the STT
        starts when the VAD declares end of speech, in parallel with endpointing."""
        endpointing = self.max_delay if held else self.min_delay
        return max(endpointing, self.vad_silence + lat.stt) + lat.llm_ttft + lat.tts_ttfb


@dataclass
class TurnRecord:
    session_id: str
    said: str
    v2v_ms: float | None
    """Caller-side voice-to-voice; None when no reply came (a failure)."""
    early: bool = False
    """The reply started before the caller finished speaking (a failure)."""
    agent: dict[str, float] = field(default_factory=dict)
    """The agent's metrics for this turn, in seconds (``METRIC_KEYS``)."""
    media_in_ms: float | None = None
    media_out_ms: float | None = None

    @property
    def ok(self) -> bool:
        return self.v2v_ms is not None and not self.early


def agent_turn_metrics(log: Path, sessions: set[str]) -> dict[str, list[dict[str, float]]]:
    """The agent's "turn metrics" log lines per session, in order, for user turns."""
    out: dict[str, list[dict[str, float]]] = {}
    for line in log.read_text(errors="replace").splitlines():
        if "turn metrics" not in line:
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        session = record.get("session_id")
        if session not in sessions or not (
            "end_of_turn_delay" in record or "e2e_latency" in record
        ):
            continue  # the greeting has no user turn before it
        out.setdefault(session, []).append(
            {k: float(record[k]) for k in METRIC_KEYS if isinstance(record.get(k), int | float)}
        )
    return out


def _ts(item: dict[str, object], key: str) -> float | None:
    value = item.get(key)
    return datetime.fromisoformat(value).timestamp() if isinstance(value, str) else None


def records_of(
    result: CallResult, metrics: list[dict[str, float]] | None, wall_offset: float
) -> list[TurnRecord]:
    """One record per turn the caller took; agent metrics and media split attached when
    the agent's turns line up one to one with the caller's."""
    records = []
    for turn in result.turns:
        latency = turn.latency_ms
        records.append(
            TurnRecord(
                session_id=result.session_id,
                said=turn.said,
                v2v_ms=latency,
                early=latency is not None and latency < 0,
            )
        )
    if metrics is not None and len(metrics) == len(records):
        for record, agent in zip(records, metrics, strict=True):
            record.agent = agent
    items = sorted(result.transcript, key=lambda i: int(str(i.get("turnIndex", 0))))
    users = [i for i, item in enumerate(items) if item.get("role") == "user"]
    if len(users) == len(records):
        for record, turn, u in zip(records, result.turns, users, strict=True):
            heard_end = _ts(items[u], "endedAt")
            reply = next((it for it in items[u + 1 :] if it.get("role") == "assistant"), None)
            reply_start = _ts(reply, "startedAt") if reply is not None else None
            if heard_end is not None:
                record.media_in_ms = (heard_end - (turn.spoke_until + wall_offset)) * 1000
            if reply_start is not None and turn.reply_started is not None:
                record.media_out_ms = (turn.reply_started + wall_offset - reply_start) * 1000
    return records


def failed_call(session: str, sentences: Sequence[str]) -> list[TurnRecord]:
    return [TurnRecord(session_id=session, said=s, v2v_ms=None) for s in sentences]
