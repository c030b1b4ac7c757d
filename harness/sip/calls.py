"""What a test reads back about a phone call: its session, its transcript, what was heard."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from harness.doubles import engines
from harness.sip.phone_audio import read_wav
from harness.sip.softphone import Softphone

Items = list[dict[str, Any]]


def caller_room_prefix(tenant: str, caller: str) -> str:
    """The start of the room name livekit-sip gives a call from ``caller`` to ``tenant``'s
    number (the dispatch rule's prefix, then ``_<caller>_<random>``)."""
    return f"phone_{tenant}__{caller}_"


async def session_of_call(
    client: httpx.AsyncClient, headers: dict[str, str], tenant: str, caller: str, timeout: float
) -> dict[str, Any]:
    """The newest session of a call from ``caller`` to ``tenant`` (polled, bounded)."""
    prefix = caller_room_prefix(tenant, caller)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        resp = await client.get("/api/sessions", headers=headers)
        resp.raise_for_status()
        found = [s for s in resp.json()["items"] if str(s["roomName"]).startswith(prefix)]
        if found:
            return dict(found[0])
        await asyncio.sleep(0.3)
    raise TimeoutError(f"no session for a call from {caller} to {tenant} in {timeout}s")


async def transcript_when(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    session_id: str,
    done: Callable[[Items], bool],
    timeout: float,
) -> Items:
    """The session's transcript once ``done`` says so (polled, bounded)."""
    deadline = time.monotonic() + timeout
    items: Items = []
    while time.monotonic() < deadline:
        resp = await client.get(
            f"/api/sessions/{session_id}/transcript", params={"limit": 1000}, headers=headers
        )
        if resp.status_code == 200:
            items = resp.json()["items"]
            if done(items):
                return items
        await asyncio.sleep(0.3)
    raise TimeoutError(f"transcript of {session_id} not complete in {timeout}s: {items}")


def said_by(role: str, count: int) -> Callable[[Items], bool]:
    """A ``done`` check: at least ``count`` segments by ``role``."""
    return lambda items: sum(1 for i in items if i.get("role") == role) >= count


async def transcribe(recording: Path) -> str:
    """What Whisper hears in a softphone's recording."""
    pcm, rate = read_wav(recording)
    return await engines.hear(pcm, rate)


async def answered_call(
    phone: Softphone,
    uri: str,
    client: httpx.AsyncClient,
    headers: dict[str, str],
    tenant: str,
    timeout: float = 60,
) -> str:
    """Dial ``uri``, wait for the answer and the agent's greeting; the session id."""
    await phone.dial(uri)
    await phone.wait_event("CALL_ESTABLISHED", timeout=timeout)
    session = await session_of_call(client, headers, tenant, phone.account.user, timeout)
    session_id = str(session["sessionId"])
    await transcript_when(client, headers, session_id, said_by("assistant", 1), timeout)
    return session_id


async def events_when(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    session_id: str,
    type_: str,
    timeout: float,
) -> Items:
    """The session's events of ``type_`` once there is one (polled, bounded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        resp = await client.get(
            f"/api/sessions/{session_id}/events", params={"limit": 1000}, headers=headers
        )
        if resp.status_code == 200:
            found = [e for e in resp.json()["items"] if e.get("type") == type_]
            if found:
                return found
        await asyncio.sleep(0.3)
    raise TimeoutError(f"no {type_} event in {session_id} within {timeout}s")
