"""Continuation tokens as the API hands them out: Cosmos' own token, wrapped.

Cosmos DB's continuation tokens are JSON that the SDK and the service parse; a malformed
one surfaces as a parse error in the SDK or a 400 from the service (and a 500 from the
local emulator). Wrapping them in a versioned, URL-safe envelope lets the API refuse a
token it never issued with a clear 422 before anything reaches Cosmos.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from azure.cosmos import exceptions

from functions.core.errors import Invalid

PREFIX = "c1."


def invalid_continuation() -> Invalid:
    return Invalid("invalid_continuation", "The continuation token is not one this API issued.")


def wrap(token: str | None) -> str | None:
    """The token to hand out for Cosmos' ``token`` (None at the end)."""
    if not token:
        return None
    return PREFIX + base64.urlsafe_b64encode(token.encode()).decode().rstrip("=")


def unwrap(token: str | None) -> str | None:
    """Cosmos' token inside one this API issued; Invalid for anything else."""
    if token is None:
        return None
    if not token.startswith(PREFIX):
        raise invalid_continuation()
    body = token.removeprefix(PREFIX)
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
        json.loads(raw)  # Cosmos' tokens are JSON; anything else was never ours
    except (binascii.Error, ValueError):
        raise invalid_continuation() from None
    return raw


@asynccontextmanager
async def continuing(continuation: str | None) -> AsyncIterator[None]:
    """Turn Cosmos' rejection of a (well-formed but tampered) token into a 422."""
    try:
        yield
    except exceptions.CosmosHttpResponseError as exc:
        if continuation is not None and exc.status_code == 400:
            raise invalid_continuation() from None
        raise
    except (ValueError, TypeError, KeyError):
        if continuation is not None:
            raise invalid_continuation() from None
        raise
