"""Turn finished conversation messages into transcript segments with stable ids."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from livekit.agents import llm


def segment_id(session_id: str, turn_index: int, role: str) -> str:
    """The deterministic id the API upserts on, so a retry never duplicates a segment."""
    return f"{session_id}-{turn_index:06d}-{role}"


def _iso(ts: float | None) -> str | None:
    if not ts:
        return None
    return datetime.fromtimestamp(ts, tz=UTC).isoformat()


@dataclass
class TurnCounter:
    """Numbers the session's turns; restored from the snapshot after a re-dispatch."""

    next_index: int = 0
    """Index the next finished message gets."""

    def take(self) -> int:
        index = self.next_index
        self.next_index += 1
        return index


def to_segment(
    session_id: str,
    turn_index: int,
    message: llm.ChatMessage,
    *,
    participant_identity: str | None = None,
    language: str | None = None,
) -> dict[str, Any] | None:
    """The API's Segment for a user or assistant message; None for other roles or no text."""
    if message.role not in ("user", "assistant"):
        return None
    text = (message.text_content or "").strip()
    if not text:
        return None
    segment: dict[str, Any] = {
        "id": segment_id(session_id, turn_index, message.role),
        "role": message.role,
        "text": text,
        "turnIndex": turn_index,
        "interrupted": bool(message.interrupted),
    }
    metrics = message.metrics or {}
    started = _iso(metrics.get("started_speaking_at"))
    ended = _iso(metrics.get("stopped_speaking_at")) or _iso(message.created_at)
    if started:
        segment["startedAt"] = started
    if ended:
        segment["endedAt"] = ended
    if participant_identity and message.role == "user":
        segment["participantIdentity"] = participant_identity
    if language:
        segment["language"] = language
    return segment
