"""The caller's tenant's phone numbers: what rings its agent over SIP."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from functions.phone.models import E164_PATTERN, PhoneNumber, PhoneNumberList, PhoneNumberRequest
from functions.routes.deps import IntegratorDep, ServicesDep
from functions.routes.errors import ERROR_RESPONSES, responses_with
from functions.settings import DEFAULT_TENANT

router = APIRouter(tags=["phone"])
NumberPath = Annotated[str, Path(pattern=E164_PATTERN, description="An E.164 number.")]


@router.get("/numbers", response_model=PhoneNumberList, responses=ERROR_RESPONSES)
async def list_numbers(caller: IntegratorDep, svc: ServicesDep) -> PhoneNumberList:
    """The numbers that ring the caller's tenant's agent."""
    return PhoneNumberList(items=await svc.phone_numbers.list(caller.tenant or DEFAULT_TENANT))


@router.post(
    "/numbers",
    response_model=PhoneNumber,
    status_code=201,
    responses=responses_with({409: "The number is already in use."}),
)
async def create_number(
    body: PhoneNumberRequest, caller: IntegratorDep, svc: ServicesDep
) -> PhoneNumber:
    """Make a number ring the tenant's agent: a LiveKit inbound trunk that accepts it only
    from `allowedAddresses` and/or with digest credentials, and a dispatch rule that gives
    every caller a room of their own with the agent dispatched for this tenant."""
    return await svc.phone_numbers.create(caller.tenant or DEFAULT_TENANT, body)


@router.delete(
    "/numbers/{number}",
    response_model=PhoneNumber,
    responses=responses_with({404: "The tenant has no such number."}),
)
async def delete_number(number: NumberPath, caller: IntegratorDep, svc: ServicesDep) -> PhoneNumber:
    """Stop answering a number: its dispatch rule and trunk are deleted; answers what was."""
    return await svc.phone_numbers.delete(caller.tenant or DEFAULT_TENANT, number)
