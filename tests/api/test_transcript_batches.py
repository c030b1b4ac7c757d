"""The production write path: transactional batches of upserts.

The local Cosmos emulator cannot execute upsert batches (it rejects them with a
partition-key parsing error), so the API uses per-item upserts against it. This test
pins what the production path sends to the SDK: one batch per 100 segments, every
operation an upsert of a complete segment document in the session's partition.
"""

from __future__ import annotations

from typing import Any

from functions.models import Segment
from functions.sessions.transcripts import BATCH_LIMIT, TranscriptStore, batch_operations


class RecordingContainer:
    """Records `execute_item_batch` calls the way the SDK's container receives them."""

    def __init__(self) -> None:
        self.batches: list[tuple[list[tuple[str, tuple[Any, ...]]], str]] = []

    async def execute_item_batch(
        self, batch_operations: list[tuple[str, tuple[Any, ...]]], partition_key: str
    ) -> list[dict[str, Any]]:
        self.batches.append((batch_operations, partition_key))
        return [{"statusCode": 200} for _ in batch_operations]


def segments(sid: str, n: int) -> list[Segment]:
    return [
        Segment(id=f"{sid}-{i:06d}-user", role="user", turnIndex=i, text=f"t{i}") for i in range(n)
    ]


async def test_segments_go_out_as_upsert_batches_of_at_most_100() -> None:
    container = RecordingContainer()
    store = TranscriptStore(container, use_transactional_batch=True)  # type: ignore[arg-type]
    assert await store.append("RM_abc", segments("RM_abc", 250)) == 250
    sizes = [len(ops) for ops, _ in container.batches]
    assert sizes == [100, 100, 50]
    assert {pk for _, pk in container.batches} == {"RM_abc"}
    ops = [op for batch, _ in container.batches for op in batch]
    assert {kind for kind, _ in ops} == {"upsert"}
    docs = [args[0] for _, args in ops]
    assert [d["turnIndex"] for d in docs] == list(range(250))
    assert all(d["sessionId"] == "RM_abc" and d["id"].startswith("RM_abc-") for d in docs)


def test_batch_split_boundaries() -> None:
    assert batch_operations([]) == []
    assert [len(b) for b in batch_operations([{"id": str(i)} for i in range(100)])] == [100]
    assert [len(b) for b in batch_operations([{"id": str(i)} for i in range(101)])] == [100, 1]
    assert BATCH_LIMIT == 100
