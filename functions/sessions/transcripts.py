"""Transcript segments in the `transcripts` container (partition key `/sessionId`)."""

from __future__ import annotations

import asyncio
from typing import Any

from azure.cosmos.aio import ContainerProxy

from functions.core.cosmos_ops import Document, public
from functions.core.paging import continuing, unwrap, wrap
from functions.core.timeutil import utc_now_iso
from functions.models import Segment

BATCH_LIMIT = 100  # Cosmos transactional batches hold at most 100 operations.
_EMULATOR_CONCURRENCY = 16


def segment_document(session_id: str, segment: Segment, received_at: str) -> Document:
    doc = segment.model_dump(exclude_none=True)
    doc["sessionId"] = session_id
    doc["receivedAt"] = received_at
    return doc


def batch_operations(docs: list[Document]) -> list[list[tuple[str, tuple[Any, ...]]]]:
    """Upsert operations grouped into transactional batches of at most 100."""
    ops: list[tuple[str, tuple[Any, ...]]] = [("upsert", (doc,)) for doc in docs]
    return [ops[i : i + BATCH_LIMIT] for i in range(0, len(ops), BATCH_LIMIT)]


class TranscriptStore:
    """Writes segments idempotently (upsert by id) and reads them in turn order."""

    def __init__(self, container: ContainerProxy, use_transactional_batch: bool = True) -> None:
        self._container = container
        # The local emulator cannot execute upsert batches; it gets one upsert per item.
        self._batch = use_transactional_batch

    async def append(self, session_id: str, segments: list[Segment]) -> int:
        now = utc_now_iso()
        docs = [segment_document(session_id, s, now) for s in segments]
        if self._batch:
            for operations in batch_operations(docs):
                await self._container.execute_item_batch(operations, partition_key=session_id)
        else:
            gate = asyncio.Semaphore(_EMULATOR_CONCURRENCY)

            async def upsert(doc: Document) -> None:
                async with gate:
                    await self._container.upsert_item(doc)

            await asyncio.gather(*(upsert(doc) for doc in docs))
        return len(docs)

    async def page(
        self, session_id: str, limit: int, continuation: str | None
    ) -> tuple[list[Document], str | None]:
        query = "SELECT * FROM c WHERE c.sessionId = @sid ORDER BY c.turnIndex ASC"
        params: list[dict[str, object]] = [{"name": "@sid", "value": session_id}]
        # unwrap before the query exists: a refused token then leaves nothing unawaited
        cosmos_token = unwrap(continuation)
        async with continuing(continuation):
            pages = self._container.query_items(
                query, parameters=params, partition_key=session_id, max_item_count=limit
            ).by_page(cosmos_token)
            async for page in pages:
                items = []
                async for item in page:
                    doc = public(item)
                    doc.pop("sessionId", None)
                    doc.pop("receivedAt", None)
                    items.append(doc)
                token: str | None = getattr(pages, "continuation_token", None)
                return items, wrap(token)
        return [], None
