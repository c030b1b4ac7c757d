"""Each tenant's agent profile: persona, instructions, greeting, language, voice, providers.

One document per tenant in the ``sessions`` container under the partition
``tenant:<name>`` (no session id has a colon). Integrators write their own; the agent
reads the one its dispatch names when a call starts, so a change applies to the next
call without restarting anything.
"""

from __future__ import annotations

from typing import Any

from azure.cosmos.aio import ContainerProxy

from functions.core.cosmos_ops import public, read_one
from functions.core.timeutil import utc_now_iso
from functions.models import TenantProfile

PROFILE_ID = "profile"


def profile_partition(tenant: str) -> str:
    return f"tenant:{tenant}"


class TenantProfiles:
    def __init__(self, container: ContainerProxy) -> None:
        self._container = container

    async def get(self, tenant: str) -> TenantProfile:
        """The tenant's profile; an empty one (every default) when it never set one."""
        doc = await read_one(self._container, PROFILE_ID, profile_partition(tenant))
        if doc is None:
            return TenantProfile()
        return TenantProfile.model_validate(doc["profile"])

    async def put(self, tenant: str, profile: TenantProfile) -> TenantProfile:
        body: dict[str, Any] = {
            "id": PROFILE_ID,
            "sessionId": profile_partition(tenant),
            "kind": "tenantProfile",
            "tenant": tenant,
            "profile": profile.model_dump(exclude_none=True),
            "updatedAt": utc_now_iso(),
            "ttl": -1,  # a profile outlives the container's data retention
        }
        written = public(dict(await self._container.upsert_item(body)))
        return TenantProfile.model_validate(written["profile"])
