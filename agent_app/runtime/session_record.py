"""What a session keeps of its own events: everything but the usage snapshots.

livekit-agents' ``AgentSession`` keeps every event it emits, for the session report it
uploads to LiveKit Cloud's observability at the end of a call; a self-hosted worker
never sends it. Two kinds make up most of it: a ``metrics_collected`` per model call
and a ``session_usage_updated`` carrying a copy of the whole usage so far, about 21 of
the ~31 events a turn. The report has both anyway, as the chat history's per-turn
metrics and the session's final usage. Kept, they grow with the call, and every full
garbage collection walks them while every call in the worker stands still. With them
a session grew by ~316 objects a turn, without them ~111 (30 turns, measured): ten
5-minute calls of ~60 turns would have held about as many objects as the start-up heap
the worker freezes (``worker.freeze_start_up_heap``).

Upstream: the same retention was fixed in livekit/agents-js#1750 (events kept only when
recording is on); livekit-agents 1.8.9 for Python keeps them regardless, and no Python
issue for it was found.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, SupportsIndex

from livekit.agents import AgentEvent, AgentSession, MetricsCollectedEvent, SessionUsageUpdatedEvent

logger = logging.getLogger("parley.agent.session_record")

NOT_KEPT = (MetricsCollectedEvent, SessionUsageUpdatedEvent)
"""Events the session's report already has in another form."""


def kept(event: object) -> bool:
    return not isinstance(event, NOT_KEPT)


class ReportEvents(list[AgentEvent]):
    """The session's event record, minus what ``NOT_KEPT`` names."""

    def append(self, event: AgentEvent) -> None:
        if kept(event):
            super().append(event)

    def extend(self, events: Iterable[AgentEvent]) -> None:
        super().extend(e for e in events if kept(e))

    def insert(self, index: SupportsIndex, event: AgentEvent) -> None:
        if kept(event):
            super().insert(index, event)


def keep_lean(session: AgentSession[Any]) -> None:
    """Make ``session`` keep only ``kept`` events from now on (and drop the rest so far).
    Call it after ``start``, which begins a new record. If livekit-agents no longer
    keeps its record as a list, leave the session as it is and say so."""
    record = getattr(session, "_recorded_events", None)
    if type(record) is not list:
        logger.warning("session events are not kept as expected: not thinning them")
        return
    session._recorded_events = ReportEvents(e for e in record if kept(e))
