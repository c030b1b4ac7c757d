"""The tenant's agent profile: integrators manage their own, the agent reads it per call."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from functions.models import TenantProfile
from functions.routes.deps import AgentDep, IntegratorDep, ServicesDep
from functions.routes.errors import ERROR_RESPONSES
from functions.settings import DEFAULT_TENANT, TENANT_PATTERN

router = APIRouter(tags=["tenants"])
TenantPath = Annotated[str, Path(pattern=TENANT_PATTERN, description="A tenant name.")]


@router.get("/tenant/profile", response_model=TenantProfile, responses=ERROR_RESPONSES)
async def get_own_profile(caller: IntegratorDep, svc: ServicesDep) -> TenantProfile:
    """The agent profile of the caller's tenant (fields left out use the defaults)."""
    return await svc.profiles.get(caller.tenant or DEFAULT_TENANT)


@router.put("/tenant/profile", response_model=TenantProfile, responses=ERROR_RESPONSES)
async def put_own_profile(
    body: TenantProfile, caller: IntegratorDep, svc: ServicesDep
) -> TenantProfile:
    """Replace the caller's tenant's agent profile; calls that start afterwards use it
    (no restart). Send `{}` to return to the defaults."""
    return await svc.profiles.put(caller.tenant or DEFAULT_TENANT, body)


@router.get("/tenants/{tenant}/profile", response_model=TenantProfile, responses=ERROR_RESPONSES)
async def get_profile_for_agent(tenant: TenantPath, _: AgentDep, svc: ServicesDep) -> TenantProfile:
    """Agent only: the profile of the tenant its dispatch names, read as a call starts."""
    return await svc.profiles.get(tenant)
