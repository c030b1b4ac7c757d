"""The call's opening, said until the caller has heard it.

A realtime model that fails right at call start takes the opening's reply down with it:
``RealtimeModelFallbackAdapter`` re-issues a reply on the next model only when the agent
was already speaking (and then without the opening's instructions), and the hand-over to
the cascade starts a new agent with nothing to say. So the opening stays owed until the
agent first speaks, and whichever model takes the call over (the next realtime model, or
the cascade) says it. The adapter's own re-issue is off (``chain.py``): with it, a swap
during the opening would be answered twice; here a reply the swap cut is asked for again.
"""

from __future__ import annotations

import logging

from livekit.agents import AgentSession, AgentStateChangedEvent

from agent_app.call.plan import Opening

logger = logging.getLogger("parley.agent.opening")


class OpeningGuard:
    """Says ``opening`` on ``session`` and again after a model change, until heard."""

    def __init__(self, session: AgentSession[None], opening: Opening) -> None:
        self._session = session
        self._opening = opening
        self.heard = False
        """The agent has spoken since the opening was first said."""
        self.attempts = 0
        session.on("agent_state_changed", self._on_state)

    def say(self) -> None:
        """Say the opening (a fixed sentence, or a reply on its instructions)."""
        self.attempts += 1
        opening = self._opening
        if opening.say is not None:
            self._session.say(opening.say, add_to_chat_ctx=opening.remember)
        elif opening.instructions is not None:
            self._session.generate_reply(instructions=opening.instructions)

    def model_changed(self, *, reply_cut: bool = False) -> None:
        """A new model serves the call: say the opening again if the caller has not heard it,
        else ask again for the reply the change cut (``reply_cut``)."""
        if self.attempts and not self.heard:
            logger.info("the opening was lost with the model that failed: saying it again")
            self.say()
        elif reply_cut:
            self._session.generate_reply()

    def _on_state(self, event: AgentStateChangedEvent) -> None:
        if event.new_state == "speaking" and self.attempts:
            self.heard = True
