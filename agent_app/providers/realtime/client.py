"""livekit's OpenAI realtime client as Parley runs it (OpenAI and Azure OpenAI modes).

Two changes, both about a call outliving its connection:

- closing a session whose connection failed for good does not raise that failure again
  (livekit re-raises it from ``aclose``, which would stop the hand-over to the cascade
  when the agent is replaced);
- with managed identity, the Entra ID token is fetched right before each connection.
  livekit takes ``entra_token`` as a fixed string and reconnects at least every 20
  minutes (and after a dropped socket): a call longer than one token's life would fail
  to reconnect. The token provider caches and refreshes before expiry.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from livekit.agents import APIConnectionError
from livekit.plugins.openai.realtime import realtime_model

from agent_app.providers.cloud.auth import TokenProvider

logger = logging.getLogger("parley.agent.realtime")

TOKEN_TIMEOUT_S = 10.0


class RealtimeModel(realtime_model.RealtimeModel):
    """The OpenAI realtime client whose sessions close quietly."""

    def session(self, *, turn_detection_disabled: bool = False) -> realtime_model.RealtimeSession:
        sess = self._new_session(turn_detection_disabled)
        self._sessions.add(sess)
        return sess

    def _new_session(self, turn_detection_disabled: bool) -> realtime_model.RealtimeSession:
        return _Session(self, turn_detection_disabled=turn_detection_disabled)


class _Session(realtime_model.RealtimeSession):
    async def aclose(self) -> None:
        try:
            await super().aclose()
        except Exception as e:  # the failure that ended it, already reported as an error
            logger.debug("closed a failed realtime session", extra={"error": str(e)})


class EntraRealtimeModel(RealtimeModel):
    """Azure OpenAI realtime, authenticated with a fresh bearer token per connection."""

    def __init__(self, *, tokens: TokenProvider, **options: Any) -> None:
        # the placeholder makes the client take the Azure path; each connection replaces it
        super().__init__(entra_token="pending", **options)
        self.tokens = tokens

    def _new_session(self, turn_detection_disabled: bool) -> realtime_model.RealtimeSession:
        return _EntraSession(self, turn_detection_disabled=turn_detection_disabled)


class _EntraSession(_Session):
    def __init__(self, model: EntraRealtimeModel, *, turn_detection_disabled: bool) -> None:
        super().__init__(model, turn_detection_disabled=turn_detection_disabled)
        self._tokens = model.tokens

    async def _create_ws_conn(self) -> aiohttp.ClientWebSocketResponse:
        try:
            token = await asyncio.wait_for(self._tokens(), TOKEN_TIMEOUT_S)
        except Exception as e:  # no token is a failed connection: retried, then given up
            raise APIConnectionError(f"no Entra ID token: {type(e).__name__}") from e
        self._opts.entra_token = token
        return await super()._create_ws_conn()
