"""Session state and conversation snapshots: Redis when configured, else in memory.

A snapshot is written after every turn so an agent dispatched into the same session
(after a worker died) can restore the conversation and keep numbering turns.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import redis.asyncio as redis
from azure.core.credentials import TokenCredential

from agent_app.recovery.redis_auth import connection_args

KEY_PREFIX = "parley:session:"
RECENT_SEGMENTS = 32
"""Segments a snapshot keeps for re-delivery; more than a kill -9 can leave unsent."""


@dataclass
class SessionSnapshot:
    """What a new agent needs to pick up a session where the last one left it."""

    session_id: str
    """The LiveKit room SID."""
    room_name: str
    """The room the session lives in."""
    status: str = "active"
    """``active`` while an agent serves the session, ``ended`` after it closed."""
    next_turn_index: int = 0
    """Index the next transcript segment gets, so restored ids never collide."""
    chat: dict[str, Any] = field(default_factory=dict)
    """``ChatContext.to_dict()`` of the conversation (instructions excluded)."""
    uploads: list[str] = field(default_factory=list)
    """Upload ids already added to the conversation."""
    segments: list[dict[str, Any]] = field(default_factory=list)
    """The latest transcript segments (at most ``RECENT_SEGMENTS``). A restoring agent sends
    them again: the dead agent's outbox may not have delivered them, and the API upserts by
    segment id, so a repeat changes nothing."""
    updated_at: float = field(default_factory=time.time)
    """Unix time of the last write."""

    def to_json(self) -> str:
        # every field is JSON already: no asdict(), whose deep copy of the whole chat in
        # Python was most of a write's cost
        return json.dumps(vars(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str | bytes) -> SessionSnapshot:
        data = json.loads(raw)
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


class StateStore(Protocol):
    """Where snapshots live; every write refreshes the TTL."""

    async def save(self, snapshot: SessionSnapshot) -> None: ...

    async def load(self, session_id: str) -> SessionSnapshot | None: ...

    async def aclose(self) -> None: ...


class MemoryStateStore:
    """Process-local store for development; expired entries vanish on read."""

    def __init__(self, ttl_seconds: int) -> None:
        self._ttl = ttl_seconds
        self._items: dict[str, tuple[float, str]] = {}

    async def save(self, snapshot: SessionSnapshot) -> None:
        snapshot.updated_at = time.time()
        self._items[snapshot.session_id] = (time.monotonic() + self._ttl, snapshot.to_json())

    async def load(self, session_id: str) -> SessionSnapshot | None:
        entry = self._items.get(session_id)
        if entry is None:
            return None
        expires, raw = entry
        if time.monotonic() >= expires:
            del self._items[session_id]
            return None
        return SessionSnapshot.from_json(raw)

    async def aclose(self) -> None:
        self._items.clear()


class RedisStateStore:
    """Snapshots as JSON strings under ``parley:session:{id}`` with ``EX`` TTL."""

    def __init__(
        self,
        url: str,
        ttl_seconds: int,
        *,
        timeout: float = 2.0,
        client_id: str | None = None,
        credential: TokenCredential | None = None,
    ) -> None:
        self._ttl = ttl_seconds
        url, auth = connection_args(url, client_id, credential)
        self._redis = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, **auth
        )

    async def save(self, snapshot: SessionSnapshot) -> None:
        snapshot.updated_at = time.time()
        await self._redis.set(KEY_PREFIX + snapshot.session_id, snapshot.to_json(), ex=self._ttl)

    async def load(self, session_id: str) -> SessionSnapshot | None:
        raw = await self._redis.get(KEY_PREFIX + session_id)
        if raw is None:
            return None
        return SessionSnapshot.from_json(raw)

    async def ttl(self, session_id: str) -> int:
        """Seconds left before the snapshot expires (-2 when absent)."""
        return int(await self._redis.ttl(KEY_PREFIX + session_id))

    async def aclose(self) -> None:
        await self._redis.aclose()


def open_store(redis_url: str | None, ttl_seconds: int, client_id: str | None = None) -> StateStore:
    """Redis when a URL is configured, else memory."""
    if redis_url:
        return RedisStateStore(redis_url, ttl_seconds, client_id=client_id)
    return MemoryStateStore(ttl_seconds)
