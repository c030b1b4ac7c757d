"""Who is calling: integrator key, agent key, Easy Auth principal or loopback developer."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import json
from dataclasses import dataclass
from enum import StrEnum

from fastapi import Request
from pydantic import SecretStr

from functions.core.errors import Forbidden, Unauthenticated
from functions.settings import ApiSettings

API_KEY_HEADER = "x-api-key"
PRINCIPAL_HEADER = "x-ms-client-principal"
_PRINCIPAL_ID_CLAIMS = (
    "http://schemas.microsoft.com/identity/claims/objectidentifier",
    "oid",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier",
    "sub",
)
_PRINCIPAL_NAME_CLAIMS = ("name", "preferred_username", "email")


class CallerKind(StrEnum):
    INTEGRATOR = "integrator"
    AGENT = "agent"
    USER = "user"
    DEVELOPER = "developer"


@dataclass(frozen=True)
class Caller:
    """An authenticated caller. ``identity`` is stable per caller and safe to log."""

    kind: CallerKind
    identity: str
    display_name: str | None = None


def _key_matches(presented: str, keys: list[SecretStr]) -> bool:
    presented_bytes = presented.encode()
    matched = False
    # Compare against every key so timing does not reveal which one matched.
    for key in keys:
        matched |= hmac.compare_digest(presented_bytes, key.get_secret_value().encode())
    return matched


def _key_fingerprint(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def _parse_principal(raw: str) -> tuple[str, str | None]:
    """Identity and display name from App Service Authentication's principal header."""
    try:
        data = json.loads(base64.b64decode(raw, validate=False))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise Unauthenticated("unauthorized", "The client principal header is malformed.") from exc
    claims: dict[str, str] = {}
    for claim in data.get("claims", []) if isinstance(data, dict) else []:
        if isinstance(claim, dict) and isinstance(claim.get("typ"), str):
            claims.setdefault(claim["typ"], str(claim.get("val", "")))
    identity = next((claims[c] for c in _PRINCIPAL_ID_CLAIMS if claims.get(c)), None)
    if not identity:
        raise Unauthenticated("unauthorized", "The client principal has no user id.")
    name = next((claims[c] for c in _PRINCIPAL_NAME_CLAIMS if claims.get(c)), None)
    return identity, name


def _is_loopback(request: Request) -> bool:
    if request.client is None or "x-forwarded-for" in request.headers:
        return False
    try:
        return ipaddress.ip_address(request.client.host).is_loopback
    except ValueError:
        return False


def identify(request: Request, settings: ApiSettings) -> Caller | None:
    """The caller behind this request, or None when it presents no credential."""
    key = request.headers.get(API_KEY_HEADER)
    if key:
        if _key_matches(key, settings.parley_api_keys):
            return Caller(CallerKind.INTEGRATOR, f"key:{_key_fingerprint(key)}")
        if _key_matches(key, settings.parley_agent_keys):
            return Caller(CallerKind.AGENT, f"agent:{_key_fingerprint(key)}")
        raise Unauthenticated("unauthorized", "The API key is not valid.")
    principal = request.headers.get(PRINCIPAL_HEADER)
    if principal and settings.easy_auth_enabled:
        identity, name = _parse_principal(principal)
        return Caller(CallerKind.USER, identity, name)
    if settings.loopback_dev_auth and _is_loopback(request):
        return Caller(CallerKind.DEVELOPER, "developer")
    return None


def require(request: Request, settings: ApiSettings, *allowed: CallerKind) -> Caller:
    caller = identify(request, settings)
    if caller is None:
        raise Unauthenticated("unauthorized", f"Send a valid key in the {API_KEY_HEADER} header.")
    if caller.kind not in allowed:
        raise Forbidden("forbidden", "This credential may not call this route.")
    return caller
