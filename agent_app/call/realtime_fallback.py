"""From a realtime model back to the cascade, in the same call.

livekit-agents closes the whole ``AgentSession`` when its realtime model fails for good
(refused, ``invalid_api_key``, quota, a socket lost past its retries; with several
models, when ``RealtimeModelFallbackAdapter`` has none left). A Parley call has a second
way to speak: its cascaded STT → LLM → TTS chains, already on the session. So the
session here turns that last realtime error into a hand-over: the agent is replaced by
one on the cascade with the conversation so far, and the call goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from livekit.agents import Agent, AgentSession, llm, stt, tts

from agent_app.observability import telemetry

logger = logging.getLogger("parley.agent.realtime")

AgentFactory = Callable[[llm.ChatContext], Agent]
"""Builds the cascade's agent around the conversation so far."""


class FallbackAgentSession(AgentSession[None]):
    """An ``AgentSession`` that, when its realtime model is gone, calls ``on_realtime_lost``
    instead of closing (once; later errors of the dead model are only logged)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.on_realtime_lost: Callable[[llm.RealtimeModelError], None] | None = None
        self.fell_back = False

    def _on_error(
        self, error: llm.LLMError | stt.STTError | tts.TTSError | llm.RealtimeModelError
    ) -> None:
        if isinstance(error, llm.RealtimeModelError) and not error.recoverable:
            if self.fell_back:
                logger.info("the abandoned realtime model reported again", exc_info=error.error)
                return
            if self.on_realtime_lost is not None:
                self.fell_back = True
                self.on_realtime_lost(error)
                return
        super()._on_error(error)


class CascadeFallback:
    """Moves ``session`` to the cascade when its realtime chain fails for good."""

    def __init__(
        self,
        session: FallbackAgentSession,
        cascade_agent: AgentFactory,
        record: telemetry.RecordEvent,
    ) -> None:
        self._session = session
        self._cascade_agent = cascade_agent
        self._record = record
        self.agent: Agent | None = None
        """The cascade's agent, once the call has moved to it."""
        session.on_realtime_lost = self._hand_over

    def _hand_over(self, error: llm.RealtimeModelError) -> None:
        current = self._session.current_agent
        chat_ctx = current.chat_ctx.copy(exclude_instructions=True)
        self.agent = self._cascade_agent(chat_ctx)
        logger.warning(
            "realtime model lost, the call goes on on the cascade",
            extra={"provider": error.label, "error": str(error.error)},
        )
        telemetry.failover("realtime", error.label, self._record, to="cascaded")
        self._session.update_agent(self.agent)
