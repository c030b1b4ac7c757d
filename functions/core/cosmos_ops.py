"""Small Cosmos helpers shared by the repositories."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import Any

from azure.core import MatchConditions
from azure.cosmos import exceptions
from azure.cosmos.aio import ContainerProxy

from functions.core.errors import Unavailable

Document = dict[str, Any]
_SYSTEM_FIELDS = ("_rid", "_self", "_etag", "_attachments", "_ts")
MAX_CONFLICT_RETRIES = 20
_BACKOFF_STEP_SECONDS = 0.005


def public(doc: Document) -> Document:
    """The document without Cosmos' system properties."""
    return {k: v for k, v in doc.items() if k not in _SYSTEM_FIELDS}


async def read_one(container: ContainerProxy, item_id: str, partition: str) -> Document | None:
    """Read one item, or None when missing.

    A parameterised query rather than a point read: the local emulator answers a point
    read of a missing item with 500 instead of 404, and the query costs about the same.
    """
    query = "SELECT * FROM c WHERE c.id = @id AND c.sessionId = @pk"
    params: list[dict[str, object]] = [
        {"name": "@id", "value": item_id},
        {"name": "@pk", "value": partition},
    ]
    async for item in container.query_items(query, parameters=params, partition_key=partition):
        return dict(item)
    return None


async def update_with_retry(
    container: ContainerProxy,
    item_id: str,
    partition: str,
    create: Callable[[], Document],
    mutate: Callable[[Document], bool],
    on_write: Callable[[Document], Awaitable[None]] | None = None,
) -> Document:
    """Read-modify-write guarded by the item's etag; bounded retries on a lost race.

    ``mutate`` changes the document in place and says whether anything changed.
    """
    for attempt in range(MAX_CONFLICT_RETRIES):
        if attempt:
            # Jittered back-off spreads writers that keep colliding on one document.
            await asyncio.sleep(random.uniform(0, _BACKOFF_STEP_SECONDS * min(attempt, 10)))
        current = await read_one(container, item_id, partition)
        doc = current if current is not None else create()
        if not mutate(doc):
            return doc
        try:
            if current is None:
                written = await container.create_item(public(doc))
            else:
                written = await container.replace_item(
                    item=item_id,
                    body=public(doc),
                    etag=current["_etag"],
                    match_condition=MatchConditions.IfNotModified,
                )
        except exceptions.CosmosHttpResponseError as exc:
            if exc.status_code in (409, 412):
                continue  # someone else wrote first: re-read and re-apply
            raise
        if on_write is not None:
            await on_write(dict(written))
        return dict(written)
    raise Unavailable("conflict_retry_exhausted", "Too many concurrent updates; try again.")
