"""What happens after each finished message: transcript segment, metrics event, snapshot.

All of it is fire-and-forget from the session's event callback: the segment goes to
the outbox queue and the snapshot write runs in a background task that coalesces
bursts (at most one write in flight, the latest state wins).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from livekit.agents import llm

from agent_app.api.outbox import Outbox
from agent_app.call.transcripts import TurnCounter, to_segment
from agent_app.observability.telemetry import TurnMetrics, turn_metrics_event
from agent_app.recovery.state import RECENT_SEGMENTS, SessionSnapshot, StateStore

logger = logging.getLogger("parley.agent.conversation")

DOCUMENT_CONTEXT_CHARS = 6000
"""Document text put straight into the chat context; the search tool reaches the rest."""


def document_message(filename: str, upload_id: str, text: str) -> str:
    """The context note that makes an uploaded document part of the conversation."""
    body = text[:DOCUMENT_CONTEXT_CHARS]
    more = "" if len(text) <= DOCUMENT_CONTEXT_CHARS else " (truncated; search for the rest)"
    return f'The user shared the document "{filename}" (upload {upload_id}){more}:\n{body}'


def restore_chat(snapshot: SessionSnapshot | None) -> llm.ChatContext | None:
    """The conversation a snapshot holds, or None."""
    if snapshot is None or not snapshot.chat:
        return None
    try:
        return llm.ChatContext.from_dict(snapshot.chat)
    except Exception:
        logger.exception("snapshot unreadable, starting a fresh conversation")
        return None


class ConversationRecorder:
    """Per-session bookkeeping fed by ``conversation_item_added``."""

    def __init__(
        self,
        *,
        session_id: str,
        room_name: str,
        outbox: Outbox,
        store: StateStore,
        history: Callable[[], llm.ChatContext],
        participant_identity: Callable[[], str | None] = lambda: None,
        snapshot: SessionSnapshot | None = None,
    ) -> None:
        self.session_id = session_id
        self._outbox = outbox
        self._store = store
        self._history = history
        self._participant_identity = participant_identity
        self.snapshot = snapshot or SessionSnapshot(session_id=session_id, room_name=room_name)
        self.turns = TurnCounter(self.snapshot.next_turn_index)
        self.metrics = TurnMetrics(session_id, publish=self._publish_turn)
        self._save_task: asyncio.Task[None] | None = None
        self._dirty = False

    def on_message(self, message: llm.ChatMessage) -> None:
        """Ship a finished user or assistant message and snapshot the conversation."""
        spoken = message.role in ("user", "assistant") and (message.text_content or "").strip()
        index = self.turns.take() if spoken else None
        self.metrics.observe(message, index)
        if index is not None:
            segment = to_segment(
                self.session_id,
                index,
                message,
                participant_identity=self._participant_identity(),
            )
            if segment is not None:
                self._outbox.submit("transcript", segment)
                recent = self.snapshot.segments
                recent.append(segment)
                del recent[:-RECENT_SEGMENTS]
        self.request_snapshot()

    def _publish_turn(self, index: int, turn: dict[str, float]) -> None:
        # persisted with the session (the console's latency chart); the event's id is the
        # turn's, so a turn completed later replaces what was sent first
        self._outbox.submit("event", turn_metrics_event(self.session_id, index, turn))

    def request_snapshot(self) -> None:
        """Schedule a snapshot write; bursts collapse into one write of the latest state."""
        self._dirty = True
        if self._save_task is None or self._save_task.done():
            self._save_task = asyncio.create_task(self._save_loop(), name="parley-snapshot")

    async def _save_loop(self) -> None:
        while self._dirty:
            self._dirty = False
            self.snapshot.next_turn_index = self.turns.next_index
            self.snapshot.chat = self._history().copy(exclude_instructions=True).to_dict()
            try:
                await self._store.save(self.snapshot)
            except Exception as e:
                # state is best effort: the conversation goes on without it
                logger.warning("snapshot write failed", extra={"error": str(e)})

    async def wait_saved(self) -> None:
        """Wait for pending snapshot writes (shutdown and tests)."""
        while self._save_task is not None and not self._save_task.done():
            await self._save_task

    async def close(self, status: str = "ended") -> None:
        """Write the final snapshot with its status."""
        await self.wait_saved()
        self.snapshot.status = status
        self.request_snapshot()
        await self.wait_saved()
