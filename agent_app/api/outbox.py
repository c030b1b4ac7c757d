"""Background sender for transcript segments and session events.

Nothing on the audio path awaits it: ``submit`` only appends to a queue. A single
task ships the queue in order, in batches, retrying with exponential backoff and
full jitter. While the API is down the items stay queued (bounded in memory,
overflowing to an optional on-disk spool) and go out once it is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import httpx

from agent_app.api.client import ApiError
from agent_app.api.handoff import Handoff, Parcel

logger = logging.getLogger("parley.agent.outbox")

Kind = Literal["transcript", "event"]
HANDOFF_TIMEOUT_S = 3.0
"""The longest closing waits to hand leftovers on."""
JSON = dict[str, Any]


class Destination(Protocol):
    """The two API routes the outbox posts to."""

    async def post_transcript(self, session_id: str, segments: Sequence[JSON]) -> JSON: ...

    async def post_events(self, session_id: str, events: Sequence[JSON]) -> JSON: ...


@dataclass(frozen=True)
class OutboxOptions:
    """How the outbox batches, retries and spools."""

    batch_size: int = 100
    """Most items per request (the API accepts 1..100)."""
    max_attempts: int = 4
    """Tries per batch before the outbox treats the API as down."""
    backoff_base: float = 0.2
    """First retry delay in seconds; doubles each attempt (with full jitter)."""
    backoff_cap: float = 5.0
    """Longest delay between tries, also the pause between rounds while the API is down."""
    max_buffered: int = 5000
    """Items kept in memory; beyond this they go to the spool file, or the oldest are dropped."""
    spool_dir: Path | None = None
    """Directory for the on-disk spool; None keeps everything in memory."""


@dataclass
class _Item:
    kind: Kind
    payload: JSON


class Outbox:
    """Ordered, batched, retried delivery of one session's segments and events."""

    def __init__(
        self,
        destination: Destination,
        session_id: str,
        options: OutboxOptions | None = None,
        *,
        jitter: Callable[[], float] = random.random,
        handoff: Handoff | None = None,
        tenant: str | None = None,
    ) -> None:
        self._dest = destination
        self._handoff = handoff
        self._tenant = tenant
        self._session_id = session_id
        self._opts = options or OutboxOptions()
        self._jitter = jitter
        self._queue: deque[_Item] = deque()
        self._wakeup = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._closing = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.delivered = 0
        """Items the API accepted."""
        self.dropped = 0
        """Items given up on (rejected as invalid, or over the memory bound without a spool)."""
        self.api_down = False
        """True between a batch that exhausted its retries and the next success."""

    @property
    def pending(self) -> int:
        """Items not yet delivered (memory and spool)."""
        return len(self._queue) + self._spooled_count()

    def start(self) -> None:
        """Load any spool left by an earlier process and start the sender task."""
        self._load_spool()
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="parley-outbox")

    def submit(self, kind: Kind, payload: JSON) -> None:
        """Queue one segment or event; never blocks."""
        if len(self._queue) >= self._opts.max_buffered:
            if self._opts.spool_dir is not None:
                self._append_spool([_Item(kind, payload)])
                self._idle.clear()
                return
            self._queue.popleft()
            self.dropped += 1
            logger.warning("outbox full, dropped the oldest item", extra={"dropped": self.dropped})
        self._queue.append(_Item(kind, payload))
        self._idle.clear()
        self._wakeup.set()

    async def flush(self, timeout: float) -> bool:
        """Wait until everything queued so far is delivered; False on timeout."""
        self._wakeup.set()
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def aclose(self, timeout: float) -> bool:
        """Flush within ``timeout``, stop, and hand on what is left (the handoff, else the
        spool); True if nothing was left."""
        delivered = await self.flush(timeout)
        self._closing.set()
        self._wakeup.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._handoff is not None:
            self._load_spool()  # whatever overflowed to disk travels with the rest
        if self._queue:
            await self._hand_on(list(self._queue))
            self._queue.clear()
        return delivered

    async def _hand_on(self, items: list[_Item]) -> None:
        """Never drop: the handoff (another worker delivers), else the spool, else say so."""
        if self._handoff is not None:
            parcel = Parcel(
                self._session_id,
                self._tenant,
                [{"kind": item.kind, "payload": item.payload} for item in items],
            )
            try:
                await asyncio.wait_for(self._handoff.keep(parcel), HANDOFF_TIMEOUT_S)
            except Exception as e:
                logger.warning("handoff failed", extra={"error": type(e).__name__})
            else:
                logger.warning(
                    "handed undelivered items on for redelivery",
                    extra={"count": len(items), "to": self._handoff.where},
                )
                return
        if self._opts.spool_dir is not None:
            self._append_spool(items)
            logger.warning("spooled undelivered items", extra={"count": len(items)})
        else:
            self.dropped += len(items)
            logger.error("undelivered items lost at close", extra={"count": len(items)})

    # the sender task

    async def _run(self) -> None:
        while not self._closing.is_set():
            if not self._queue:
                self._load_spool()
            if not self._queue:
                self._idle.set()
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            batch = self._head_batch()
            if await self._deliver(batch):
                for _ in batch:
                    self._queue.popleft()
            else:
                # the API is down: keep the batch and try again after a pause
                await self._pause(self._opts.backoff_cap)

    def _head_batch(self) -> list[_Item]:
        head_kind = self._queue[0].kind
        batch: list[_Item] = []
        for item in self._queue:
            if item.kind != head_kind or len(batch) >= self._opts.batch_size:
                break
            batch.append(item)
        return batch

    async def _deliver(self, batch: list[_Item]) -> bool:
        payloads = [item.payload for item in batch]
        for attempt in range(self._opts.max_attempts):
            try:
                if batch[0].kind == "transcript":
                    await self._dest.post_transcript(self._session_id, payloads)
                else:
                    await self._dest.post_events(self._session_id, payloads)
            except ApiError as e:
                if not e.retryable:
                    # an invalid batch will never be accepted; keep the queue moving
                    self.dropped += len(batch)
                    logger.error("API rejected a batch", extra={"status": e.status})
                    return True
                logger.info("API error, will retry", extra={"status": e.status})
            except (httpx.HTTPError, OSError) as e:
                logger.info("API unreachable, will retry", extra={"error": type(e).__name__})
            else:
                self.delivered += len(batch)
                if self.api_down:
                    logger.info("API is back, resuming delivery")
                self.api_down = False
                return True
            if attempt + 1 < self._opts.max_attempts:
                delay = min(self._opts.backoff_cap, self._opts.backoff_base * 2**attempt)
                await self._pause(delay * self._jitter())
        if not self.api_down:
            logger.warning("API down, spooling", extra={"pending": len(self._queue)})
        self.api_down = True
        return False

    async def _pause(self, seconds: float) -> None:
        # a pause that ends early when the outbox closes
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), seconds)

    # the on-disk spool (one JSON line per item, per session)

    def _spool_path(self) -> Path | None:
        if self._opts.spool_dir is None:
            return None
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in self._session_id)
        return self._opts.spool_dir / f"{safe}.jsonl"

    def _spooled_count(self) -> int:
        path = self._spool_path()
        if path is None or not path.exists():
            return 0
        with path.open("rb") as f:
            return sum(1 for _ in f)

    def _append_spool(self, items: list[_Item]) -> None:
        path = self._spool_path()
        assert path is not None
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as f:
            for item in items:
                f.write(json.dumps({"kind": item.kind, "payload": item.payload}) + "\n")

    def _load_spool(self) -> None:
        path = self._spool_path()
        if path is None or not path.exists():
            return
        lines = path.read_text(encoding="utf-8").splitlines()
        path.unlink()
        for line in lines:
            if line.strip():
                raw = json.loads(line)
                self._queue.append(_Item(raw["kind"], raw["payload"]))
        if self._queue:
            self._idle.clear()
