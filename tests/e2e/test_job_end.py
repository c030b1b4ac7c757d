"""A call that ends normally ends its LiveKit job normally: the user hangs up after the
greeting, the agent leaves, and the LiveKit server records the job as succeeded (before
the fix, every job, even a clean goodbye, ended `JS_FAILED "agent worker left the room"`)."""

from __future__ import annotations

import json
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from livekit import api, rtc

from harness.agent import health_url
from harness.livekit import DEV_LIVEKIT_KEY, DEV_LIVEKIT_SECRET, join_token
from harness.processes import ManagedProcess
from harness.stack import Stack, agent_on
from harness.waiting import wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture
def worker(stack: Stack, tmp_path: Path) -> Iterator[tuple[str, ManagedProcess]]:
    """A worker under its own agent name (nothing else may take its dispatch)."""
    agent_name = f"parley-end-{uuid.uuid4().hex[:6]}"
    with agent_on(stack, tmp_path, extra_env={"AGENT_NAME": agent_name}) as proc:
        yield agent_name, proc


def active_jobs(proc: ManagedProcess) -> int:
    with urllib.request.urlopen(health_url(proc, "/worker"), timeout=2) as resp:
        # protobuf JSON leaves a zero count out
        return int(json.loads(resp.read()).get("active_jobs", 0))


def job_lines(stack: Stack, job_id: str) -> list[str]:
    """The LiveKit server's log lines about one job."""
    return [line for line in stack.livekit.process.log_text().splitlines() if job_id in line]


async def test_a_call_the_user_hangs_up_ends_its_job_as_succeeded(
    stack: Stack, worker: tuple[str, ManagedProcess]
) -> None:
    agent_name, proc = worker
    room_name = f"end-{uuid.uuid4().hex[:8]}"
    async with api.LiveKitAPI(stack.livekit.http_url, DEV_LIVEKIT_KEY, DEV_LIVEKIT_SECRET) as lk:
        await lk.room.create_room(api.CreateRoomRequest(name=room_name))
        dispatch = await lk.agent_dispatch.create_dispatch(
            api.CreateAgentDispatchRequest(agent_name=agent_name, room=room_name)
        )
        room = rtc.Room()
        await room.connect(stack.livekit.ws_url, join_token(room_name, "caller-1"))
        try:
            session_id = await room.sid
            await wait_for(
                lambda: greeted(stack, session_id), timeout=60, what="the agent's greeting"
            )
            # the job, from the server's own record of the dispatch
            dispatches = await lk.agent_dispatch.list_dispatch(room_name)
            (listed,) = [d for d in dispatches if d.id == dispatch.id]
            (job,) = listed.state.jobs
            assert active_jobs(proc) == 1
        finally:
            await room.disconnect()  # the user hangs up
    await wait_for(
        lambda: any("job ended" in line for line in job_lines(stack, job.id)),
        timeout=40,
        what="the server ending the job",
    )
    ended = [line for line in job_lines(stack, job.id) if "job ended" in line]
    assert all("JS_SUCCESS" in line for line in ended), ended
    # and the job process really ends, on its own, before the worker is stopped
    await wait_for(lambda: active_jobs(proc) == 0, timeout=30, what="the job to end")
    assert not any("JS_FAILED" in line for line in job_lines(stack, job.id))


async def greeted(stack: Stack, session_id: str) -> bool:
    async with httpx.AsyncClient(
        base_url=stack.api.base_url, headers={"x-api-key": stack.api.api_key}, timeout=10
    ) as client:
        resp = await client.get(f"/api/sessions/{session_id}/transcript")
    items = resp.json().get("items", []) if resp.status_code == 200 else []
    return any(item["role"] == "assistant" for item in items)
