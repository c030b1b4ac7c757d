"""JOB_EXECUTOR=loop: every call of the worker runs on one event loop, started, ended and
isolated through livekit-agents' own job protocol."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from livekit.agents import JobContext, JobExecutorType, JobProcess
from livekit.agents.ipc import job_thread_executor
from livekit.agents.job import JobAcceptArguments, RunningJobInfo
from livekit.protocol import agent as agent_proto
from livekit.protocol import models

from agent_app.runtime import shared_loop, worker
from agent_app.settings import AgentSettings

WAIT = 20.0
"""Bound on each wait: a call's start or end takes milliseconds."""


@dataclass
class Calls:
    """What each fake call saw, written from the shared loop and read from the test's."""

    started: dict[str, threading.Event] = field(default_factory=dict)
    loops: dict[str, int] = field(default_factory=dict)
    threads: dict[str, int] = field(default_factory=dict)
    contexts: dict[str, JobContext] = field(default_factory=dict)
    leftover_cancelled: dict[str, threading.Event] = field(default_factory=dict)
    prewarmed: list[int] = field(default_factory=list)

    def expect(self, room: str) -> None:
        self.started[room] = threading.Event()
        self.leftover_cancelled[room] = threading.Event()


CALLS = Calls()


def _prewarm(proc: JobProcess) -> None:
    CALLS.prewarmed.append(threading.get_ident())


async def _entrypoint(ctx: JobContext) -> None:
    """Records where it runs, leaves a task behind, and crashes if its room says so."""
    room = ctx.job.room.name
    CALLS.loops[room] = id(asyncio.get_running_loop())
    CALLS.threads[room] = threading.get_ident()
    CALLS.contexts[room] = ctx

    async def leftover() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            CALLS.leftover_cancelled[room].set()
            raise

    asyncio.get_running_loop().create_task(leftover())  # kept by nobody: the job's leftover
    await asyncio.sleep(0)
    CALLS.started[room].set()
    if room.startswith("crash"):
        raise RuntimeError("this call fails on purpose")


def _job(room: str) -> RunningJobInfo:
    return RunningJobInfo(
        accept_arguments=JobAcceptArguments(name="agent", identity="agent", metadata=""),
        job=agent_proto.Job(
            id=f"AJ_{room}",
            room=models.Room(name=room, sid=f"RM_{room}"),
            type=agent_proto.JobType.JT_ROOM,
        ),
        url="",
        token="",
        worker_id="test",
        fake_job=True,
    )


@pytest.fixture
async def start_call() -> AsyncIterator[Any]:
    executors: list[shared_loop.SharedLoopJobExecutor] = []

    async def start(room: str) -> shared_loop.SharedLoopJobExecutor:
        CALLS.expect(room)
        executor = shared_loop.SharedLoopJobExecutor(
            initialize_process_fnc=_prewarm,
            job_entrypoint_fnc=_entrypoint,
            session_end_fnc=None,
            simulation_end_fnc=None,
            inference_executor=None,
            initialize_timeout=WAIT,
            close_timeout=WAIT,
            session_end_timeout=WAIT,
            ping_interval=2.5,
            high_ping_threshold=0.5,
            http_proxy=None,
            loop=asyncio.get_running_loop(),
        )
        executors.append(executor)
        await executor.start()
        await executor.initialize()
        await executor.launch_job(_job(room))
        assert await asyncio.to_thread(CALLS.started[room].wait, WAIT), f"{room} never started"
        return executor

    yield start
    for executor in executors:
        await asyncio.wait_for(executor.aclose(), WAIT)


async def _ended(executor: shared_loop.SharedLoopJobExecutor) -> None:
    await asyncio.wait_for(executor.join(), WAIT)


async def test_calls_share_one_loop_off_the_callers_thread(start_call: Any) -> None:
    prewarms_before = len(CALLS.prewarmed)
    await start_call("one-a")
    await start_call("one-b")
    assert CALLS.loops["one-a"] == CALLS.loops["one-b"]
    assert CALLS.threads["one-a"] == CALLS.threads["one-b"]
    assert CALLS.threads["one-a"] != threading.get_ident()
    assert CALLS.loops["one-a"] != id(asyncio.get_running_loop())
    # each call prewarms once, off the shared loop (a slow prewarm would stall the others)
    assert len(CALLS.prewarmed) == prewarms_before + 2
    assert CALLS.threads["one-a"] not in CALLS.prewarmed[prewarms_before:]


async def test_a_call_that_ends_takes_its_leftover_tasks_and_nobody_elses(
    start_call: Any,
) -> None:
    ending = await start_call("end-a")
    staying = await start_call("end-b")
    CALLS.contexts["end-a"].shutdown("done")
    await _ended(ending)
    assert ending.status.value == "success"
    assert CALLS.leftover_cancelled["end-a"].is_set()
    assert not CALLS.leftover_cancelled["end-b"].is_set()
    assert staying.running_job is not None and not staying._join_fut.done()


async def test_a_crashing_call_ends_alone(start_call: Any) -> None:
    crashing = await start_call("crash-a")
    neighbour = await start_call("calm-a")
    await _ended(crashing)
    assert CALLS.leftover_cancelled["crash-a"].is_set()
    assert not neighbour._join_fut.done()
    # the neighbour's loop still turns: a third call starts and runs beside it
    await start_call("calm-b")
    assert CALLS.loops["calm-b"] == CALLS.loops["calm-a"]


async def test_shutting_the_worker_down_ends_every_call(start_call: Any) -> None:
    first = await start_call("down-a")
    second = await start_call("down-b")
    await asyncio.wait_for(asyncio.gather(first.aclose(), second.aclose()), WAIT)
    assert CALLS.leftover_cancelled["down-a"].is_set()
    assert CALLS.leftover_cancelled["down-b"].is_set()


def test_the_loop_executor_is_what_the_worker_builds(monkeypatch: pytest.MonkeyPatch) -> None:
    # restored after the test: install() swaps livekit-agents' thread executor for good
    monkeypatch.setattr(
        job_thread_executor, "ThreadJobExecutor", job_thread_executor.ThreadJobExecutor
    )
    server = worker.build_server(AgentSettings(job_executor="loop", max_calls=3))
    assert server._job_executor_type is JobExecutorType.THREAD
    assert job_thread_executor.ThreadJobExecutor is shared_loop.SharedLoopJobExecutor
