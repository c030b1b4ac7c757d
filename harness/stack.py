"""``full_stack()``: the emulators, a LiveKit server posting webhooks to the API, and the
API, on free ports; what the end-to-end tests, the benchmarks and a demo run against."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from harness.agent import start_agent
from harness.api import ApiProcess, api_environment
from harness.emulators import Emulators, running_emulators
from harness.livekit import DEV_LIVEKIT_KEY, DEV_LIVEKIT_SECRET, LiveKitServer, start_livekit
from harness.ports import free_port
from harness.processes import ManagedProcess


@dataclass
class Stack:
    api: ApiProcess
    livekit: LiveKitServer
    emulators: Emulators
    livekit_key: str = DEV_LIVEKIT_KEY
    livekit_secret: str = DEV_LIVEKIT_SECRET


@contextlib.contextmanager
def full_stack(
    work: Path, emulators: Emulators | None = None, redis_address: str | None = None
) -> Iterator[Stack]:
    """Start everything but the agent; stop it all on exit, errors included.

    ``emulators`` reuses emulators already running (a test session shares one pair);
    otherwise this starts and stops its own. Each stack gets a fresh Cosmos database.
    ``redis_address`` (host:port) gives the LiveKit server Redis, which SIP needs.
    """
    with contextlib.ExitStack() as stack:
        if emulators is None:
            emulators = stack.enter_context(running_emulators(work))
        api_port = free_port()
        livekit = start_livekit(
            work,
            webhook_url=f"http://127.0.0.1:{api_port}/api/livekit/webhook",
            redis_address=redis_address,
        )
        stack.callback(livekit.stop)
        api = ApiProcess(work, api_environment(emulators, livekit_url=livekit.ws_url), api_port)
        stack.callback(api.stop)
        api.start()
        yield Stack(api=api, livekit=livekit, emulators=emulators)


@contextlib.contextmanager
def agent_on(
    stack: Stack,
    work: Path,
    *,
    name: str = "agent",
    module: str = "agent_app",
    redis_url: str | None = None,
    extra_env: dict[str, str] | None = None,
    stop_timeout: float = 30,
) -> Iterator[ManagedProcess]:
    """An agent worker registered with ``stack``'s LiveKit server and using its API (see
    ``start_agent``); stopped on exit, draining what it still runs for ``stop_timeout``."""
    proc = start_agent(
        work,
        stack.livekit.ws_url,
        stack.api.base_url,
        stack.api.agent_key,
        redis_url,
        name,
        module=module,
        extra_env=extra_env,
    )
    try:
        yield proc
    finally:
        proc.stop(timeout=stop_timeout)


@dataclass
class BrowserStack:
    """What a browser talks to: an API with loopback developer auth, and its agent."""

    api: ApiProcess
    agent: ManagedProcess


@contextlib.contextmanager
def browser_stack(stack: Stack, work: Path, agent_name: str) -> Iterator[BrowserStack]:
    """A second API on ``stack``'s emulators, database and LiveKit server that hands tokens
    to unauthenticated loopback callers (``LOOPBACK_DEV_AUTH``, as `make up` serves the web
    client and the console), and an agent worker using it."""
    api = ApiProcess(work, {**stack.api.env, "LOOPBACK_DEV_AUTH": "true"})
    api.start()
    try:
        agent = start_agent(
            work, stack.livekit.ws_url, api.base_url, api.agent_key, name=agent_name
        )
        try:
            yield BrowserStack(api=api, agent=agent)
        finally:
            agent.stop(timeout=30)
    finally:
        api.stop()
