"""Fast detection of a dead agent, so a call whose worker crashed is recovered in seconds.

When a worker dies without leaving (SIGKILL, OOM, node loss), LiveKit keeps its agent in
the room until ICE gives up, 15 to 20 seconds later, and only then tells the API. To cut
that to about two seconds:

- every job holds a **lease** in Redis (``parley:lease:{session}``, a short TTL) renewed
  by a thread, so a busy event loop never lets it lapse while the process lives;
- every worker runs a **watchdog** that looks for sessions whose lease lapsed. One
  worker wins a short lock, confirms with the LiveKit server that the caller is still
  there, and removes the dead agent from the room.

The removal makes the server send ``participant_left`` at once, and the API's existing
recovery (``functions/sessions/agent_recovery.py``) dispatches a new agent that restores
the snapshot.
The watchdog never dispatches itself: one place decides, so no call gets two agents.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiohttp
import redis
from livekit import api

from agent_app.recovery.redis_auth import connection_args
from agent_app.runtime.threads import start_loop_thread

logger = logging.getLogger("parley.agent.liveness")

ACTIVE_SESSIONS = "parley:active-sessions"
"""Set of session ids that have (or had, until the watchdog looks) a live agent."""
LEASE_PREFIX = "parley:lease:"
"""Short-lived key per session; it lapses when its agent's process stops renewing it."""
HOLDER_PREFIX = "parley:lease-holder:"
"""Room and agent identity per session, for the watchdog (outlives the lease)."""
CLAIM_PREFIX = "parley:recovering:"
"""Lock that lets exactly one watchdog act on a lapsed lease."""


@dataclass(frozen=True)
class LeaseHolder:
    """Which agent participant holds a session, in which room."""

    session_id: str
    room: str
    identity: str

    def to_json(self) -> str:
        return json.dumps({"room": self.room, "identity": self.identity})


@dataclass(frozen=True)
class LivenessOptions:
    """Timings of the lease and the watchdog."""

    lease_ttl: float = 2.0
    """Seconds a lease lives without renewal: the longest a dead agent goes unnoticed."""
    renew_interval: float = 0.5
    """Seconds between renewals; several renewals fit in one TTL."""
    scan_interval: float = 0.5
    """Seconds between watchdog scans."""
    redis_timeout: float = 1.0
    """Socket timeout of every Redis call."""
    holder_ttl: int = 86_400
    """Seconds the holder record lives (a session never lasts that long)."""
    azure_client_id: str | None = None
    """Managed identity for Entra ID auth to Redis (see ``redis_auth``)."""

    @classmethod
    def for_ttl(
        cls, lease_ttl: float, holder_ttl: int, azure_client_id: str | None = None
    ) -> LivenessOptions:
        """Renew and scan four times per TTL."""
        return cls(
            lease_ttl=lease_ttl,
            renew_interval=lease_ttl / 4,
            scan_interval=lease_ttl / 4,
            holder_ttl=holder_ttl,
            azure_client_id=azure_client_id,
        )


def _client(url: str, options: LivenessOptions) -> redis.Redis:
    url, auth = connection_args(url, options.azure_client_id)
    return redis.Redis.from_url(
        url,
        socket_timeout=options.redis_timeout,
        socket_connect_timeout=options.redis_timeout,
        **auth,
    )


class SessionLease:
    """Held by one job for its session, from joining the room until it ends."""

    def __init__(self, redis_url: str, holder: LeaseHolder, options: LivenessOptions) -> None:
        self._redis = _client(redis_url, options)
        self._holder = holder
        self._options = options
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._renew_forever, name="parley-lease", daemon=True
        )

    @property
    def _lease_key(self) -> str:
        return LEASE_PREFIX + self._holder.session_id

    def acquire(self) -> None:
        """Take the lease (the lease first, so a scan never sees a member without one)."""
        sid = self._holder.session_id
        ttl_ms = int(self._options.lease_ttl * 1000)
        pipe = self._redis.pipeline()
        pipe.set(self._lease_key, self._holder.identity, px=ttl_ms)
        pipe.set(HOLDER_PREFIX + sid, self._holder.to_json(), ex=self._options.holder_ttl)
        pipe.sadd(ACTIVE_SESSIONS, sid)
        pipe.delete(CLAIM_PREFIX + sid)  # a replacement may itself need recovering
        pipe.execute()
        self._thread.start()

    def _renew_forever(self) -> None:
        ttl_ms = int(self._options.lease_ttl * 1000)
        while not self._stop.wait(self._options.renew_interval):
            try:
                self._redis.set(self._lease_key, self._holder.identity, px=ttl_ms)
            except redis.RedisError as e:
                logger.warning("lease renewal failed", extra={"error": str(e)})

    def release(self) -> None:
        """The session ended here on purpose: nothing to recover."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(self._options.renew_interval + self._options.redis_timeout)
        sid = self._holder.session_id
        try:
            pipe = self._redis.pipeline()
            pipe.srem(ACTIVE_SESSIONS, sid)
            pipe.delete(self._lease_key, HOLDER_PREFIX + sid)
            pipe.execute()
        except redis.RedisError as e:
            logger.warning("lease release failed", extra={"error": str(e)})
        finally:
            self._redis.close()


RemoveAgent = Callable[[LeaseHolder], Awaitable[bool]]
"""Removes a dead agent from its room if the caller is still there; False when not needed."""


class Watchdog:
    """Scans for lapsed leases and has the dead agents removed from their rooms."""

    def __init__(self, redis_url: str, remove_agent: RemoveAgent, options: LivenessOptions) -> None:
        self._redis_url = redis_url
        self._remove_agent = remove_agent
        self._options = options

    async def scan_once(self, client: redis.Redis) -> list[LeaseHolder]:
        """One pass; returns the holders whose agents it had removed."""
        sessions = [m.decode() for m in client.smembers(ACTIVE_SESSIONS)]  # type: ignore[union-attr]
        if not sessions:
            return []
        pipe = client.pipeline()
        for sid in sessions:
            pipe.exists(LEASE_PREFIX + sid)
        alive = pipe.execute()
        removed: list[LeaseHolder] = []
        claim_ms = int(max(10.0, self._options.lease_ttl * 5) * 1000)
        for sid, has_lease in zip(sessions, alive, strict=True):
            if has_lease:
                continue
            if not client.set(CLAIM_PREFIX + sid, "1", nx=True, px=claim_ms):
                continue  # another worker's watchdog has it
            if client.exists(LEASE_PREFIX + sid):
                continue  # a replacement took the session over since the first look
            raw = client.get(HOLDER_PREFIX + sid)
            # a new agent re-adds the session when it takes over
            client.srem(ACTIVE_SESSIONS, sid)
            if raw is None:
                continue
            info = json.loads(raw)
            holder = LeaseHolder(sid, str(info["room"]), str(info["identity"]))
            try:
                if await self._remove_agent(holder):
                    removed.append(holder)
                    logger.info(
                        "removed a dead agent from its room",
                        extra={"session_id": sid, "room": holder.room},
                    )
            except Exception as e:
                # try again once the claim expires; LiveKit's own timeout is the backstop
                client.sadd(ACTIVE_SESSIONS, sid)
                logger.warning(
                    "could not remove a dead agent", extra={"session_id": sid, "error": str(e)}
                )
        return removed

    async def run(self, stop: threading.Event) -> None:
        client = _client(self._redis_url, self._options)
        try:
            while not stop.is_set():
                try:
                    await self.scan_once(client)
                except redis.RedisError as e:
                    logger.warning("watchdog scan failed", extra={"error": str(e)})
                await asyncio.sleep(self._options.scan_interval)
        finally:
            client.close()

    def start_thread(self) -> threading.Event:
        """Run in a daemon thread with its own event loop; set the returned event to stop."""
        return start_loop_thread("parley-watchdog", self.run)


def livekit_remover(url: str, api_key: str, api_secret: str, timeout: float) -> RemoveAgent:
    """Removes the agent through the LiveKit server API, only while a caller remains."""

    async def remove(holder: LeaseHolder) -> bool:
        async with api.LiveKitAPI(
            url, api_key, api_secret, timeout=aiohttp.ClientTimeout(total=timeout)
        ) as lk:
            listing = await lk.room.list_participants(api.ListParticipantsRequest(room=holder.room))
            identities = {p.identity for p in listing.participants}
            # a phone caller (livekit-sip's participant) is a caller as much as a browser
            kinds = (api.ParticipantInfo.Kind.STANDARD, api.ParticipantInfo.Kind.SIP)
            callers = [p for p in listing.participants if p.kind in kinds]
            if holder.identity not in identities or not callers:
                return False  # already gone, or nobody left to serve
            await lk.room.remove_participant(
                api.RoomParticipantIdentity(room=holder.room, identity=holder.identity)
            )
            return True

    return remove
