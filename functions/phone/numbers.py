"""A tenant's inbound numbers, kept as LiveKit SIP trunks and dispatch rules.

LiveKit holds the only copy: each number is one inbound trunk (the number, who may call
it) and one dispatch rule (a room per caller, the agent dispatched with the tenant). Both
carry ``{"tenant": …}`` metadata, which is how a tenant's numbers are found again; a
number already held by any trunk is refused, so a number never rings two tenants.
"""

from __future__ import annotations

import builtins
import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import aiohttp
from livekit import api
from livekit.api.sip_service import SipService

from functions.core.errors import Conflict, NotFound, Unavailable
from functions.phone.models import PhoneNumber, PhoneNumberRequest
from functions.phone.rooms import phone_room_prefix

log = logging.getLogger(__name__)
NAME_PREFIX = "parley"


def _tenant_of(metadata: str) -> str | None:
    try:
        data = json.loads(metadata) if metadata else {}
    except ValueError:
        return None
    tenant = data.get("tenant") if isinstance(data, dict) else None
    return tenant if isinstance(tenant, str) else None


def _view(trunk: api.SIPInboundTrunkInfo, rule_id: str | None) -> PhoneNumber:
    return PhoneNumber(
        number=trunk.numbers[0] if trunk.numbers else "",
        allowedAddresses=list(trunk.allowed_addresses),
        username=trunk.auth_username or None,
        hasPassword=bool(trunk.auth_username),
        trunkId=trunk.sip_trunk_id,
        dispatchRuleId=rule_id,
    )


Labelled = TypeVar("Labelled", api.SIPInboundTrunkInfo, api.SIPDispatchRuleInfo)


def _labelled(kind: type[Labelled], tenant: str, number: str, **fields: Any) -> Labelled:
    """A trunk or rule with ``fields``, named and tagged with the tenant (how a tenant's
    numbers are found again)."""
    name, metadata = f"{NAME_PREFIX}:{tenant}:{number}", json.dumps({"tenant": tenant})
    return kind(name=name, metadata=metadata, **fields)


@asynccontextmanager
async def _sip_reachable() -> AsyncIterator[None]:
    """LiveKit's SIP service refusing or unreachable (no Redis behind the server, a restart,
    a timeout) is a 503 the integrator can retry, never a 500."""
    try:
        yield
    except (TimeoutError, api.TwirpError, aiohttp.ClientError) as exc:
        log.warning("LiveKit SIP service unavailable: %s", type(exc).__name__)
        raise Unavailable(
            "sip_unavailable", "The phone service cannot be reached; retry shortly."
        ) from None


def agent_metadata(tenant: str, number: str) -> str:
    """What the agent's dispatch says about a call to ``number`` (see agent_app dispatch)."""
    return json.dumps({"tenant": tenant, "channel": "phone", "dialled": number})


class PhoneNumbers:
    """Create, list and delete a tenant's numbers through livekit-api's SIP service."""

    def __init__(self, sip: Callable[[], SipService], agent_name: str) -> None:
        self._sip_service = sip  # the client is made lazily, on the serving loop
        self._agent = agent_name

    @property
    def _sip(self) -> SipService:
        return self._sip_service()

    async def _trunks(self) -> list[api.SIPInboundTrunkInfo]:
        listing = await self._sip.list_inbound_trunk(api.ListSIPInboundTrunkRequest())
        return list(listing.items)

    async def _rules(self) -> list[api.SIPDispatchRuleInfo]:
        listing = await self._sip.list_dispatch_rule(api.ListSIPDispatchRuleRequest())
        return list(listing.items)

    async def list(self, tenant: str) -> list[PhoneNumber]:
        async with _sip_reachable():
            return await self._list(tenant)

    async def create(self, tenant: str, request: PhoneNumberRequest) -> PhoneNumber:
        async with _sip_reachable():
            return await self._create(tenant, request)

    async def delete(self, tenant: str, number: str) -> PhoneNumber:
        """Delete the number's dispatch rule and trunk; what was deleted."""
        async with _sip_reachable():
            return await self._delete(tenant, number)

    async def _list(self, tenant: str) -> builtins.list[PhoneNumber]:
        trunks = [t for t in await self._trunks() if _tenant_of(t.metadata) == tenant]
        rules = {t: r.sip_dispatch_rule_id for r in await self._rules() for t in r.trunk_ids}
        return sorted((_view(t, rules.get(t.sip_trunk_id)) for t in trunks), key=lambda n: n.number)

    async def _create(self, tenant: str, request: PhoneNumberRequest) -> PhoneNumber:
        if any(request.number in t.numbers for t in await self._trunks()):
            raise Conflict("number_taken", "This number is already in use.")
        password = request.password.get_secret_value() if request.password else ""
        trunk_info = _labelled(
            api.SIPInboundTrunkInfo,
            tenant,
            request.number,
            numbers=[request.number],
            allowed_addresses=request.allowedAddresses,
            auth_username=request.username or "",
            auth_password=password,
        )
        trunk = await self._sip.create_inbound_trunk(
            api.CreateSIPInboundTrunkRequest(trunk=trunk_info)
        )
        # a room of their own for every caller, the agent dispatched for the tenant
        agent = api.RoomAgentDispatch(
            agent_name=self._agent, metadata=agent_metadata(tenant, request.number)
        )
        individual = api.SIPDispatchRuleIndividual(room_prefix=phone_room_prefix(tenant))
        rule_info = _labelled(
            api.SIPDispatchRuleInfo,
            tenant,
            request.number,
            trunk_ids=[trunk.sip_trunk_id],
            rule=api.SIPDispatchRule(dispatch_rule_individual=individual),
            room_config=api.RoomConfiguration(agents=[agent]),
        )
        try:
            rule = await self._sip.create_dispatch_rule(
                api.CreateSIPDispatchRuleRequest(dispatch_rule=rule_info)
            )
        except Exception:
            # no trunk without its rule: it would answer calls that ring nobody
            await self._sip.delete_trunk(api.DeleteSIPTrunkRequest(sip_trunk_id=trunk.sip_trunk_id))
            raise
        return _view(trunk, rule.sip_dispatch_rule_id)

    async def _delete(self, tenant: str, number: str) -> PhoneNumber:
        owned = [
            t
            for t in await self._trunks()
            if _tenant_of(t.metadata) == tenant and number in t.numbers
        ]
        if not owned:
            raise NotFound("number_not_found", "No such number.")
        ids = {t.sip_trunk_id for t in owned}
        rule_id: str | None = None
        for rule in await self._rules():
            if ids & set(rule.trunk_ids):
                rule_id = rule.sip_dispatch_rule_id
                await self._sip.delete_dispatch_rule(
                    api.DeleteSIPDispatchRuleRequest(sip_dispatch_rule_id=rule.sip_dispatch_rule_id)
                )
        for trunk_id in ids:
            await self._sip.delete_trunk(api.DeleteSIPTrunkRequest(sip_trunk_id=trunk_id))
        return _view(owned[0], rule_id)
