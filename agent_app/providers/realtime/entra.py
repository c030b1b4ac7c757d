"""The OpenAI realtime client with an Entra ID token fetched for every connection.

livekit's client takes ``entra_token`` as a fixed string and reconnects at least every
20 minutes (and after every dropped socket): with managed identity, a call longer than one
token's life would fail to reconnect. Here the session asks the token provider (which
caches and refreshes before expiry) right before each connection.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from livekit.agents import APIConnectionError
from livekit.plugins.openai import realtime

from agent_app.providers.cloud.auth import TokenProvider

TOKEN_TIMEOUT_S = 10.0


class EntraRealtimeModel(realtime.RealtimeModel):
    """Azure OpenAI realtime, authenticated with a fresh bearer token per connection."""

    def __init__(self, *, tokens: TokenProvider, **options: Any) -> None:
        # the placeholder makes the client take the Azure path; each connection replaces it
        super().__init__(entra_token="pending", **options)
        self.tokens = tokens

    def session(self, *, turn_detection_disabled: bool = False) -> realtime.RealtimeSession:
        sess = _EntraSession(self, turn_detection_disabled=turn_detection_disabled)
        self._sessions.add(sess)
        return sess


class _EntraSession(realtime.RealtimeSession):
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
