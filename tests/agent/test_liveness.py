"""Leases and the watchdog in a real Redis: a lapsed lease gets its agent removed, once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

import redis

from agent_app.recovery.liveness import (
    ACTIVE_SESSIONS,
    LeaseHolder,
    LivenessOptions,
    SessionLease,
    Watchdog,
)

FAST = LivenessOptions(lease_ttl=0.3, renew_interval=0.05, scan_interval=0.05, holder_ttl=60)


class Remover:
    def __init__(self) -> None:
        self.removed: list[LeaseHolder] = []

    async def __call__(self, holder: LeaseHolder) -> bool:
        self.removed.append(holder)
        return True


def _holder() -> LeaseHolder:
    return LeaseHolder(f"RM_{uuid.uuid4().hex[:8]}", "room-1", "agent-AJ_1")


def _dead_lease(redis_url: str, holder: LeaseHolder) -> None:
    """A lease whose process "died": taken, then never renewed nor released."""
    lease = SessionLease(redis_url, holder, FAST)
    lease.acquire()
    lease._stop.set()


async def _wait_for(condition: Callable[[], object], timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_a_renewed_lease_is_left_alone(redis_url: str) -> None:
    holder = _holder()
    lease = SessionLease(redis_url, holder, FAST)
    lease.acquire()
    remover = Remover()
    client = redis.Redis.from_url(redis_url)
    try:
        # many TTLs pass; the renewing thread keeps the lease alive
        for _ in range(20):
            await Watchdog(redis_url, remover, FAST).scan_once(client)
            await asyncio.sleep(FAST.lease_ttl / 4)
        assert remover.removed == []
        lease.release()
        assert not client.sismember(ACTIVE_SESSIONS, holder.session_id)
        await Watchdog(redis_url, remover, FAST).scan_once(client)
        assert remover.removed == [], "a session ended on purpose is not recovered"
    finally:
        client.close()


async def test_a_lapsed_lease_gets_its_agent_removed_by_one_watchdog(redis_url: str) -> None:
    holder = _holder()
    _dead_lease(redis_url, holder)
    remover = Remover()
    watchdogs = [Watchdog(redis_url, remover, FAST) for _ in range(3)]
    stops = [w.start_thread() for w in watchdogs]
    try:
        await _wait_for(lambda: len(remover.removed) >= 1)
        await asyncio.sleep(FAST.lease_ttl)  # further scans must not act again
        assert remover.removed == [holder]
    finally:
        for stop in stops:
            stop.set()

    # the replacement takes a new lease for the same session; its death is noticed too
    replacement = LeaseHolder(holder.session_id, holder.room, "agent-AJ_2")
    _dead_lease(redis_url, replacement)
    client = redis.Redis.from_url(redis_url)
    try:
        await _wait_for(lambda: client.exists("parley:lease:" + holder.session_id) == 0)
        assert await Watchdog(redis_url, remover, FAST).scan_once(client) == [replacement]
    finally:
        client.close()


async def test_a_failed_removal_is_tried_again_after_the_claim(redis_url: str) -> None:
    holder = _holder()
    _dead_lease(redis_url, holder)
    calls: list[LeaseHolder] = []

    async def flaky(h: LeaseHolder) -> bool:
        calls.append(h)
        if len(calls) == 1:
            raise OSError("LiveKit unreachable")
        return True

    client = redis.Redis.from_url(redis_url)
    try:
        await _wait_for(lambda: client.exists("parley:lease:" + holder.session_id) == 0)
        watchdog = Watchdog(redis_url, flaky, FAST)
        assert await watchdog.scan_once(client) == []
        assert client.sismember(ACTIVE_SESSIONS, holder.session_id), "kept for another try"
        assert await watchdog.scan_once(client) == [], "not again while the claim holds"
        client.delete("parley:recovering:" + holder.session_id)  # the claim expires
        assert await watchdog.scan_once(client) == [holder]
        assert len(calls) == 2
    finally:
        client.close()
