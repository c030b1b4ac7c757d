"""Bodies of the phone-number routes."""

from __future__ import annotations

import ipaddress

from pydantic import Field, SecretStr, field_validator, model_validator

from functions.models import ApiModel

E164_PATTERN = r"^\+[1-9][0-9]{6,14}$"
SIP_USER_PATTERN = r"^[A-Za-z0-9_.\-]{1,64}$"


class PhoneNumberRequest(ApiModel):
    number: str = Field(
        pattern=E164_PATTERN,
        description="The number callers dial, in E.164 form (the SIP request's user part).",
        examples=["+15550100"],
    )
    allowedAddresses: list[str] = Field(
        default_factory=list,
        max_length=32,
        description="Source addresses (IP or CIDR) calls may come from, e.g. the carrier's "
        "signalling addresses. Calls from anywhere else are refused at the SIP layer.",
        examples=[["203.0.113.0/24"]],
    )
    username: str | None = Field(
        default=None,
        pattern=SIP_USER_PATTERN,
        description="Digest authentication user the carrier must present (with `password`).",
    )
    password: SecretStr | None = Field(
        default=None,
        min_length=12,
        max_length=128,
        description="Digest authentication password; stored in LiveKit, never returned.",
    )

    @field_validator("allowedAddresses")
    @classmethod
    def _addresses(cls, addresses: list[str]) -> list[str]:
        for address in addresses:
            try:
                ipaddress.ip_network(address, strict=False)
            except ValueError:
                raise ValueError(f"{address!r} is not an IP address or CIDR range") from None
        return addresses

    @model_validator(mode="after")
    def _guarded(self) -> PhoneNumberRequest:
        if (self.username is None) != (self.password is None):
            raise ValueError("username and password go together")
        if not self.allowedAddresses and self.username is None:
            raise ValueError("give allowedAddresses, digest credentials, or both")
        return self


class PhoneNumber(ApiModel):
    number: str = Field(examples=["+15550100"])
    allowedAddresses: list[str] = Field(default_factory=list)
    username: str | None = None
    hasPassword: bool = Field(description="Whether digest authentication is required.")
    trunkId: str = Field(description="The LiveKit inbound trunk that answers this number.")
    dispatchRuleId: str | None = Field(
        default=None, description="The LiveKit dispatch rule that rings the agent."
    )


class PhoneNumberList(ApiModel):
    items: list[PhoneNumber]
