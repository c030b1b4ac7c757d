"""A full worker gets no more jobs: the real worker (calls as threads, or as tasks on one
loop) reports its active calls against its capacity, and a real LiveKit server stops
offering it dispatches."""

from __future__ import annotations

import json
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from livekit import api

from harness.agent import health_url, start_agent
from harness.livekit import DEV_LIVEKIT_KEY, DEV_LIVEKIT_SECRET, LiveKitServer
from harness.processes import ManagedProcess
from harness.stack import Stack
from harness.waiting import wait_for

pytestmark = pytest.mark.e2e

NO_WORKER = "no worker available to handle job"


@pytest.fixture(params=["thread", "loop"])
def one_call_worker(
    stack: Stack, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[str, ManagedProcess]]:
    """The worker under its own agent name, carrying at most one call."""
    agent_name = f"parley-cap-{uuid.uuid4().hex[:6]}"
    proc = start_agent(
        tmp_path,
        stack.livekit.ws_url,
        stack.api.base_url,
        stack.api.agent_key,
        extra_env={
            "AGENT_NAME": agent_name,
            "MAX_CALLS": "1",
            "LOAD_THRESHOLD": "1.0",
            "JOB_EXECUTOR": request.param,
            "DRAIN_TIMEOUT_SECONDS": "5",
        },
    )
    try:
        yield agent_name, proc
    finally:
        proc.stop(timeout=20)


def worker_status(proc: ManagedProcess) -> dict[str, Any]:
    """The worker's own report; protobuf JSON leaves out zero values, so fill them in."""
    with urllib.request.urlopen(health_url(proc, "/worker"), timeout=2) as resp:
        status: dict[str, Any] = json.loads(resp.read())
    return {"active_jobs": 0, "worker_load": 0.0, **status}


def announced_available(worker: ManagedProcess) -> int:
    """How often the worker has told the server it takes jobs again."""
    return worker.log_text().count("marking as available")


def refused(livekit: LiveKitServer, room: str) -> bool:
    """Whether the server logged that no worker could take the job for ``room``."""
    return any(
        NO_WORKER in line and f'"room": "{room}"' in line
        for line in livekit.process.log_text().splitlines()
    )


async def test_a_full_worker_is_offered_no_more_calls(
    stack: Stack, one_call_worker: tuple[str, ManagedProcess]
) -> None:
    agent_name, worker = one_call_worker
    livekit = stack.livekit
    async with api.LiveKitAPI(livekit.http_url, DEV_LIVEKIT_KEY, DEV_LIVEKIT_SECRET) as lk:

        async def dispatch(room: str) -> None:
            await lk.room.create_room(api.CreateRoomRequest(name=room))
            await lk.agent_dispatch.create_dispatch(
                api.CreateAgentDispatchRequest(agent_name=agent_name, room=room)
            )

        async def agents_in(room: str) -> int:
            listed = await lk.room.list_participants(api.ListParticipantsRequest(room=room))
            return sum(p.kind == api.ParticipantInfo.Kind.AGENT for p in listed.participants)

        first, second, third = (f"cap-{uuid.uuid4().hex[:8]}" for _ in range(3))
        await dispatch(first)
        await wait_for(lambda: worker_status(worker)["active_jobs"] == 1, 30, "the first job")
        await wait_for(lambda: worker_status(worker)["worker_load"] == 1.0, 15, "load = 1 call / 1")

        await dispatch(second)
        await wait_for(lambda: refused(livekit, second), 30, "the server's refusal")
        assert worker_status(worker)["active_jobs"] == 1
        assert await agents_in(second) == 0

        # the first call ends: the worker tells the server it has room again (its status
        # update, not only its local load), and takes the next dispatch
        available_before = announced_available(worker)
        await lk.room.delete_room(api.DeleteRoomRequest(room=first))
        await wait_for(lambda: worker_status(worker)["active_jobs"] == 0, 30, "the job to end")
        await wait_for(
            lambda: announced_available(worker) > available_before, 15, "'available' again"
        )
        await dispatch(third)

        async def agent_joined() -> bool:
            return await agents_in(third) == 1

        await wait_for(agent_joined, 30, "an agent in the third room")
