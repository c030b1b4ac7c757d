"""Dependencies shared by the routes: the services and the authenticated caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Path, Request

from functions.core.auth import Caller, CallerKind, require
from functions.models import SESSION_ID_PATTERN
from functions.services import ServiceHolder, Services
from functions.settings import TENANT_PATTERN

TENANT_HEADER = "x-parley-tenant"


async def services(request: Request) -> Services:
    holder: ServiceHolder = request.app.state.services
    return await holder.get()


ServicesDep = Annotated[Services, Depends(services)]

AgentTenantHeader = Annotated[
    str | None,
    Header(
        alias=TENANT_HEADER,
        pattern=TENANT_PATTERN,
        description="Agent key only: the tenant the agent serves in this call (from its "
        "dispatch metadata); it may then not write into another tenant's session.",
    ),
]


def _requirer(*kinds: CallerKind):  # type: ignore[no-untyped-def]
    if CallerKind.AGENT in kinds:

        def agent_dependency(request: Request, served_tenant: AgentTenantHeader = None) -> Caller:
            holder: ServiceHolder = request.app.state.services
            caller = require(request, holder.settings, *kinds)
            if caller.kind is CallerKind.AGENT and served_tenant is not None:
                return Caller(caller.kind, caller.identity, caller.display_name, served_tenant)
            return caller

        return agent_dependency

    def dependency(request: Request) -> Caller:
        holder: ServiceHolder = request.app.state.services
        return require(request, holder.settings, *kinds)

    return dependency


IntegratorDep = Annotated[Caller, Depends(_requirer(CallerKind.INTEGRATOR))]
AgentDep = Annotated[Caller, Depends(_requirer(CallerKind.AGENT))]
IntegratorOrAgentDep = Annotated[
    Caller, Depends(_requirer(CallerKind.INTEGRATOR, CallerKind.AGENT))
]
# Read-only views (the console): integrators, and on loopback with LOOPBACK_DEV_AUTH the
# local developer, so `make up`'s console opens without a key like the web client does.
ReaderDep = Annotated[Caller, Depends(_requirer(CallerKind.INTEGRATOR, CallerKind.DEVELOPER))]
ReaderOrAgentDep = Annotated[
    Caller,
    Depends(_requirer(CallerKind.INTEGRATOR, CallerKind.AGENT, CallerKind.DEVELOPER)),
]
TokenCallerDep = Annotated[
    Caller,
    Depends(_requirer(CallerKind.INTEGRATOR, CallerKind.USER, CallerKind.DEVELOPER)),
]
SessionIdPath = Annotated[
    str, Path(pattern=SESSION_ID_PATTERN, description="The LiveKit room SID.")
]
