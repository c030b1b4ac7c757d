"""Calls from the API to the LiveKit server API: room lookups, agent dispatch, data messages."""

from __future__ import annotations

import json
import logging
from typing import Any

import aiohttp
from livekit import api
from livekit.api.sip_service import SipService

from functions.settings import ApiSettings

log = logging.getLogger(__name__)


class LiveKitGateway:
    """A thin, time-bounded wrapper over livekit-api's server client."""

    def __init__(self, settings: ApiSettings) -> None:
        self._settings = settings
        self._client: api.LiveKitAPI | None = None

    def _api(self) -> api.LiveKitAPI:
        # Created lazily: livekit-api opens an aiohttp session bound to the running loop.
        if self._client is None:
            self._client = api.LiveKitAPI(
                self._settings.livekit_http_url,
                self._settings.livekit_api_key,
                self._settings.livekit_api_secret.get_secret_value(),
                timeout=aiohttp.ClientTimeout(total=self._settings.request_timeout_seconds),
            )
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def sip(self) -> SipService:
        """livekit-api's SIP service (trunks, dispatch rules, calls), time-bounded the same."""
        return self._api().sip

    async def room_exists(self, room: str) -> bool:
        rooms = await self._api().room.list_rooms(api.ListRoomsRequest(names=[room]))
        return any(r.name == room for r in rooms.rooms)

    async def ensure_agent(self, room: str, metadata: str, *, force: bool = False) -> bool:
        """Dispatch the agent into ``room`` unless a dispatch for it already exists.

        ``force`` dispatches even then (recovery: the agent died but its dispatch remains).
        Returns whether a dispatch was created.
        """
        agent = self._settings.agent_name
        if not force:
            dispatches = await self._api().agent_dispatch.list_dispatch(room)
            if any(d.agent_name == agent for d in dispatches):
                return False
        await self._api().agent_dispatch.create_dispatch(
            api.CreateAgentDispatchRequest(agent_name=agent, room=room, metadata=metadata)
        )
        return True

    async def send_json(self, room: str, topic: str, payload: dict[str, Any]) -> None:
        await self._api().room.send_data(
            api.SendDataRequest(
                room=room,
                data=json.dumps(payload).encode(),
                kind=api.DataPacket.Kind.RELIABLE,
                topic=topic,
            )
        )

    async def room_occupancy(self) -> tuple[int, int]:
        """(rooms with participants, all rooms) on the server right now."""
        rooms = (await self._api().room.list_rooms(api.ListRoomsRequest())).rooms
        return sum(1 for r in rooms if r.num_participants > 0), len(rooms)

    async def participant_kinds(self, room: str) -> list[int]:
        """The kinds (standard, agent, ...) of the participants in ``room`` right now."""
        listing = await self._api().room.list_participants(api.ListParticipantsRequest(room=room))
        return [p.kind for p in listing.participants]

    async def ping(self) -> None:
        await self._api().room.list_rooms(api.ListRoomsRequest(names=["parley-health-probe"]))
