"""Which tenant owns a session, and the check every session-scoped route makes.

The session document (partition ``/sessionId``) records its tenant. The webhook fold
creates it for the tenant that claimed the room; a write for a session nobody has
recorded yet (the agent's first transcript can beat the first webhook) creates it for
the writer's tenant. Ownership never changes once recorded, so it is cached in memory.
"""

from __future__ import annotations

from collections import OrderedDict

from azure.cosmos import exceptions
from azure.cosmos.aio import ContainerProxy

from functions.core.auth import Caller, CallerKind
from functions.core.cosmos_ops import read_one
from functions.core.errors import NotFound
from functions.sessions.webhook_fold import new_session
from functions.settings import DEFAULT_TENANT

CACHE_SIZE = 50_000


def owner_of(doc: dict[str, object]) -> str:
    """A session's tenant; sessions recorded before tenants existed belong to the default."""
    tenant = doc.get("tenant")
    return tenant if isinstance(tenant, str) and tenant else DEFAULT_TENANT


def session_not_found() -> NotFound:
    # The same answer for "unknown" and "another tenant's": existence is not leaked.
    return NotFound("session_not_found", "No such session.")


class SessionOwners:
    """Looks up (and on a first write records) the tenant of a session."""

    def __init__(self, container: ContainerProxy, cache_size: int = CACHE_SIZE) -> None:
        self._container = container
        self._cache: OrderedDict[str, str] = OrderedDict()
        self._cache_size = cache_size

    def _remember(self, session_id: str, tenant: str) -> str:
        self._cache[session_id] = tenant
        self._cache.move_to_end(session_id)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return tenant

    async def owner(self, session_id: str) -> str | None:
        """The session's tenant, or None when no session document exists yet."""
        cached = self._cache.get(session_id)
        if cached is not None:
            return cached
        doc = await read_one(self._container, session_id, session_id)
        if doc is None or doc.get("kind") != "session":
            return None
        return self._remember(session_id, owner_of(doc))

    async def _record(self, session_id: str, tenant: str) -> str:
        """Create the session for ``tenant``; the owner if someone else created it first."""
        try:
            await self._container.create_item({**new_session(session_id), "tenant": tenant})
        except exceptions.CosmosHttpResponseError as exc:
            if exc.status_code != 409:
                raise
            return await self.owner(session_id) or tenant
        return self._remember(session_id, tenant)

    async def admit(self, session_id: str, caller: Caller, *, write: bool) -> None:
        """Raise "session not found" unless ``caller`` may read (or write) this session.

        Tenants see only their own sessions. The agent serves every tenant: it may read any
        session, and when it names the tenant it works for, it may not write into another's.
        """
        owner = await self.owner(session_id)
        if caller.kind is CallerKind.AGENT and caller.tenant is None:
            if owner is None and write:
                await self._record(session_id, DEFAULT_TENANT)
            return
        if owner is None:
            if not write:
                if caller.kind is CallerKind.AGENT:
                    return
                raise session_not_found()
            owner = await self._record(session_id, caller.tenant or DEFAULT_TENANT)
        if owner != caller.tenant:
            raise session_not_found()
