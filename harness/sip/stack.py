"""``phone_stack()``: the full stack with Redis under LiveKit and a livekit-sip bridge."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from harness.api import ApiProcess
from harness.emulators import Emulators
from harness.redis_server import RedisServer, start_redis
from harness.sip.bridge import SipBridge, start_sip_bridge
from harness.stack import Stack, full_stack

TENANT_KEYS = {
    "default": "phone-default-key",
    "acme": "acme-phone-key",
    "globex": "globex-key",
    "initech": "initech-key",
}
"""Integrator keys of the tenants the phone tests use (test values, not secrets)."""


@dataclass
class PhoneStack:
    stack: Stack
    redis: RedisServer
    bridge: SipBridge
    api: ApiProcess
    """An API on the stack's database that knows ``TENANT_KEYS``."""

    def key(self, tenant: str) -> dict[str, str]:
        """Headers that authenticate as ``tenant``'s integrator."""
        return {"x-api-key": TENANT_KEYS[tenant]}


@contextlib.contextmanager
def phone_stack(work: Path, emulators: Emulators | None = None) -> Iterator[PhoneStack]:
    """Redis, the full stack (its LiveKit server on that Redis) and the SIP bridge; all
    stopped on exit, errors included."""
    with contextlib.ExitStack() as stack:
        redis = start_redis(work)
        stack.callback(redis.stop)
        address = f"127.0.0.1:{redis.port}"
        running = stack.enter_context(full_stack(work, emulators, redis_address=address))
        bridge = start_sip_bridge(work, running.livekit, address)
        stack.callback(bridge.stop)
        keys = ",".join(
            key if tenant == "default" else f"{tenant}={key}" for tenant, key in TENANT_KEYS.items()
        )
        api = ApiProcess(work, running.api.env, api_key=keys)
        stack.callback(api.stop)
        api.start()
        yield PhoneStack(running, redis, bridge, api)
