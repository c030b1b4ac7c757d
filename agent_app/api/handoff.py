"""Where a call's undelivered segments and events go when the call ends first.

An outbox that closes while the API is away must not drop what it holds. It hands the
leftovers over as one parcel: to Redis when the worker has it (any worker delivers it
later, even after this replica is gone), else to a directory on this worker's disk.
:class:`Redeliverer` (``redelivery.py``) takes parcels back and posts them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import redis.asyncio as redis

from agent_app.recovery.redis_auth import connection_args
from agent_app.settings import AgentSettings

logger = logging.getLogger("parley.agent.handoff")

JSON = dict[str, Any]
REDIS_PREFIX = "parley:undelivered:"
PARCEL_SUFFIX = ".parcel.json"


@dataclass
class Parcel:
    """One closed call's leftovers, in the order they were submitted."""

    session_id: str
    tenant: str | None
    items: list[JSON] = field(default_factory=list)
    """``{"kind": "transcript" | "event", "payload": {...}}`` each."""

    def to_json(self) -> str:
        return json.dumps(
            {"sessionId": self.session_id, "tenant": self.tenant, "items": self.items}
        )

    @classmethod
    def from_json(cls, raw: str | bytes) -> Parcel:
        data = json.loads(raw)
        return cls(str(data["sessionId"]), data.get("tenant"), list(data["items"]))


class Handoff(Protocol):
    """Keeps parcels until a redeliverer takes them."""

    where: str
    """Named in the log line that says where the leftovers went."""

    async def keep(self, parcel: Parcel) -> None: ...

    async def take(self, limit: int) -> list[Parcel]:
        """Up to ``limit`` parcels, each removed as it is taken (one taker gets it)."""
        ...

    async def aclose(self) -> None: ...


class RedisHandoff:
    """Parcels as Redis strings with a TTL; taken with GETDEL, so exactly one worker
    delivers each."""

    where = "redis"

    def __init__(
        self,
        url: str,
        ttl_seconds: int,
        scope: str,
        *,
        timeout: float = 2.0,
        client_id: str | None = None,
    ) -> None:
        self._ttl = ttl_seconds
        self._prefix = f"{REDIS_PREFIX}{scope}:"
        url, auth = connection_args(url, client_id, None)
        self._redis = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, **auth
        )

    async def keep(self, parcel: Parcel) -> None:
        key = f"{self._prefix}{parcel.session_id}:{uuid.uuid4().hex}"
        await self._redis.set(key, parcel.to_json(), ex=self._ttl)

    async def take(self, limit: int) -> list[Parcel]:
        parcels: list[Parcel] = []
        async for key in self._redis.scan_iter(match=f"{self._prefix}*", count=100):
            raw = await self._redis.getdel(key)
            if raw is not None:
                parcels.append(Parcel.from_json(raw))
            if len(parcels) >= limit:
                break
        return parcels

    async def aclose(self) -> None:
        await self._redis.aclose()


class DiskHandoff:
    """Parcels as files; taken by renaming (atomic), so exactly one taker reads each."""

    where = "disk"

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def keep(self, parcel: Parcel) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{uuid.uuid4().hex}{PARCEL_SUFFIX}"
        partial = self.directory / f".{name}.partial"
        partial.write_text(parcel.to_json(), encoding="utf-8")
        os.replace(partial, self.directory / name)  # whole or absent, never half-written

    async def take(self, limit: int) -> list[Parcel]:
        if not self.directory.is_dir():
            return []
        parcels: list[Parcel] = []
        for path in sorted(self.directory.glob(f"*{PARCEL_SUFFIX}"))[:limit]:
            taken = path.with_name(path.name + ".taken")
            try:
                os.replace(path, taken)
            except FileNotFoundError:
                continue  # another taker was first
            try:
                parcels.append(Parcel.from_json(taken.read_text(encoding="utf-8")))
            except (OSError, ValueError, KeyError):
                logger.exception("unreadable parcel left aside", extra={"path": str(taken)})
                continue
            taken.unlink()
        return parcels

    async def aclose(self) -> None:
        return None


def handoff_scope(settings: AgentSettings) -> str:
    """Parcels are kept apart per API: two stacks sharing a Redis or a disk (tests, a
    laptop) never deliver each other's leftovers."""
    return hashlib.sha256(settings.parley_api_url.encode()).hexdigest()[:12]


def open_handoff(settings: AgentSettings) -> Handoff:
    """Redis when the worker has it, else a directory on this disk (beside the transcript
    spool when one is configured)."""
    scope = handoff_scope(settings)
    if settings.redis_url is not None:
        return RedisHandoff(
            settings.redis_url.get_secret_value(),
            settings.state_ttl_seconds,
            scope,
            client_id=settings.azure_client_id,
        )
    base = Path(settings.transcript_spool_dir or tempfile.gettempdir())
    return DiskHandoff(base / "parley-handoff" / scope)
