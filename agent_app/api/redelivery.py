"""Delivers parcels of undelivered segments and events that closed calls handed over.

The worker runs one :class:`Redeliverer` on a thread of its own (nothing on any call's
loop): every ``interval`` seconds it takes a bounded number of parcels from the handoff
and posts them, in order and in batches, as the tenant whose call they came from. What
the API still cannot take goes back to the handoff for the next round; a batch the API
rejects as invalid would never be accepted and is dropped with an error line, as the
outbox does.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from agent_app.api.client import ApiError
from agent_app.api.handoff import JSON, Handoff, Parcel
from agent_app.runtime.threads import start_loop_thread

logger = logging.getLogger("parley.agent.redelivery")


class TenantApi(Protocol):
    async def post_transcript(self, session_id: str, segments: list[JSON]) -> Any: ...

    async def post_events(self, session_id: str, events: list[JSON]) -> Any: ...

    async def aclose(self) -> None: ...


ApiFactory = Callable[[str | None], TenantApi]
"""An API client acting for a tenant (None: the default tenant)."""


@dataclass(frozen=True)
class RedeliveryOptions:
    interval: float = 10.0
    """Seconds between rounds."""
    parcels_per_round: int = 20
    """Most parcels one round takes, so a backlog never turns into a burst."""
    batch_size: int = 100
    """Most items per request (the API accepts 1..100)."""


class Redeliverer:
    def __init__(
        self, handoff: Handoff, api: ApiFactory, options: RedeliveryOptions | None = None
    ) -> None:
        self._handoff = handoff
        self._api = api
        self._opts = options or RedeliveryOptions()

    async def deliver_once(self) -> int:
        """One round; returns the items the API accepted."""
        parcels = await self._handoff.take(self._opts.parcels_per_round)
        delivered = 0
        for index, parcel in enumerate(parcels):
            sent, left = await self._deliver(parcel)
            delivered += sent
            if left is not None:
                # the API is away: this parcel's rest and the untried parcels go back
                for kept in [left, *parcels[index + 1 :]]:
                    await self._handoff.keep(kept)
                break
        if delivered:
            logger.info("redelivered items of closed calls", extra={"count": delivered})
        return delivered

    async def _deliver(self, parcel: Parcel) -> tuple[int, Parcel | None]:
        """Post ``parcel`` batch by batch; the undelivered rest when the API is away."""
        api = self._api(parcel.tenant)
        sent = 0
        try:
            for start, batch in _batches(parcel.items, self._opts.batch_size):
                payloads = [item["payload"] for item in batch]
                try:
                    await _post(api, parcel.session_id, batch[0]["kind"], payloads)
                except ApiError as e:
                    if e.retryable:
                        return sent, Parcel(parcel.session_id, parcel.tenant, parcel.items[start:])
                    logger.error(
                        "API rejected a redelivered batch",
                        extra={"status": e.status, "count": len(batch)},
                    )
                    continue
                except (httpx.HTTPError, OSError):
                    return sent, Parcel(parcel.session_id, parcel.tenant, parcel.items[start:])
                sent += len(batch)
        finally:
            await api.aclose()
        return sent, None

    async def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                await self.deliver_once()
            except Exception:
                logger.exception("redelivery round failed")
            await asyncio.to_thread(stop.wait, self._opts.interval)
        await self._handoff.aclose()

    def start_thread(self) -> threading.Event:
        """Run in a daemon thread with its own event loop; set the returned event to stop."""
        return start_loop_thread("parley-redelivery", self.run)


def _batches(items: list[JSON], size: int) -> list[tuple[int, list[JSON]]]:
    """Runs of one kind, at most ``size`` long, with the index each starts at."""
    batches: list[tuple[int, list[JSON]]] = []
    start = 0
    while start < len(items):
        kind = items[start]["kind"]
        end = start
        while end < len(items) and end - start < size and items[end]["kind"] == kind:
            end += 1
        batches.append((start, items[start:end]))
        start = end
    return batches


def _post(api: TenantApi, session_id: str, kind: str, payloads: list[JSON]) -> Awaitable[Any]:
    if kind == "transcript":
        return api.post_transcript(session_id, payloads)
    return api.post_events(session_id, payloads)
