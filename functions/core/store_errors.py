"""Which storage failures mean "the store is away" (retry later) rather than a bug.

Cosmos DB and Blob Storage fail in three ways a client can outlive: the service is not
reachable (connection refused, a frozen process, a timeout), it sheds load (429, 503),
or it lost its data (the local emulator restarted empty: the database and containers
answer 404). Each is answered 503 with ``Retry-After``; a 404 for a resource also has
the local emulator's database and containers created again (``ServiceHolder``).
"""

from __future__ import annotations

import asyncio

from azure.core.exceptions import (
    AzureError,
    HttpResponseError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.cosmos.exceptions import CosmosHttpResponseError, CosmosResourceNotFoundError

RETRY_AFTER_SECONDS = 2
"""What a client is told to wait before trying again."""

_AWAY_STATUSES = frozenset({404, 408, 410, 429, 449, 500, 502, 503, 504})
"""Statuses that reach the API only when the store is away, shedding load or emptied:
the repositories read items by query, so a missing *item* never surfaces as a 404."""


def store_away(exc: BaseException) -> bool:
    """Whether ``exc`` says the store cannot serve now (as opposed to a bad request)."""
    if isinstance(exc, ServiceRequestError | ServiceResponseError | asyncio.TimeoutError):
        return True
    if isinstance(exc, HttpResponseError):
        return exc.status_code in _AWAY_STATUSES
    return isinstance(exc, AzureError)  # connection-level errors without a status


def resource_missing(exc: BaseException) -> bool:
    """Whether the database or a container itself may be gone (an emulator restarted
    empty). Cosmos answers 404; the local emulator answers a write into a missing
    container with 500 ("Cannot read properties of undefined (reading '_rid')")."""
    if isinstance(exc, CosmosResourceNotFoundError):
        return True
    return isinstance(exc, CosmosHttpResponseError) and exc.status_code == 500
