"""Dependencies shared by the routes: the services and the authenticated caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from functions.core.auth import Caller, CallerKind, require
from functions.models import SESSION_ID_PATTERN
from functions.services import ServiceHolder, Services


async def services(request: Request) -> Services:
    holder: ServiceHolder = request.app.state.services
    return await holder.get()


ServicesDep = Annotated[Services, Depends(services)]


def _requirer(*kinds: CallerKind):  # type: ignore[no-untyped-def]
    def dependency(request: Request) -> Caller:
        holder: ServiceHolder = request.app.state.services
        return require(request, holder.settings, *kinds)

    return dependency


IntegratorDep = Annotated[Caller, Depends(_requirer(CallerKind.INTEGRATOR))]
AgentDep = Annotated[Caller, Depends(_requirer(CallerKind.AGENT))]
IntegratorOrAgentDep = Annotated[
    Caller, Depends(_requirer(CallerKind.INTEGRATOR, CallerKind.AGENT))
]
TokenCallerDep = Annotated[
    Caller,
    Depends(_requirer(CallerKind.INTEGRATOR, CallerKind.USER, CallerKind.DEVELOPER)),
]
SessionIdPath = Annotated[
    str, Path(pattern=SESSION_ID_PATTERN, description="The LiveKit room SID.")
]
