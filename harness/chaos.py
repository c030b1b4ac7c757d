"""A real call through one fault: the synthetic caller speaks over WebRTC to the
supervised stack while one of its processes is killed or frozen at a random moment, then
goes on speaking; what the user would notice is reported for the test to judge."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from harness.caller import join, read_transcript, wait_for_quiet
from harness.caller.line import Caller
from harness.supervised import SupervisedStack

Fault = Callable[[SupervisedStack], None]
"""Breaks one process and returns once it is back (blocking: it runs on a thread)."""

GREETING_TIMEOUT_S = 60.0
FINISHED_TIMEOUT_S = 60.0  # LiveKit's departure timeout (20 s) runs before room_finished


@dataclass
class FaultedCall:
    session_id: str
    """The session the call started in (a LiveKit restart moves it to another one)."""
    said_before: int
    answered_before: int
    fault_at: float = 0.0
    recovered_at: float = 0.0
    resumed_after_s: float | None = None
    """Voice-to-voice of the first turn spoken after the fault was over."""
    answered_after: list[bool] = field(default_factory=list)
    room: str = ""
    transcript: list[dict[str, object]] = field(default_factory=list)
    status: str = ""


async def _answered(caller: Caller, sentence: str, timeout: float) -> float | None:
    """Say ``sentence``; how long after its end the agent's reply started (None: no reply)."""
    spoke_until = await caller.say(sentence)
    try:
        await asyncio.wait_for(caller.ear.started.wait(), timeout)
    except TimeoutError:
        return None
    await wait_for_quiet(caller.ear, timeout)
    return caller.ear.started_at - spoke_until


async def call_through_fault(
    stack: SupervisedStack,
    fault: Fault,
    rng: random.Random,
    before: list[str],
    after: list[str],
    *,
    reply_timeout: float,
    agent_back_within: float | None = None,
    agent_greets: bool = False,
) -> FaultedCall:
    """Speak ``before`` with ``fault`` striking at a random moment of one of those turns
    (while the caller speaks or the agent answers), wait until the fault is over, then
    speak ``after``. ``agent_back_within``: the fault takes the agent off the caller's line
    (a new agent, or the same one rejoining), so wait that long at most for its audio to be
    back (and, with ``agent_greets``, for it to speak) before speaking on."""
    caller = await join(stack.api_url, stack.api_key)
    report = FaultedCall(await caller.room.sid, len(before), 0)
    report.room = caller.token["roomName"]
    try:
        await asyncio.wait_for(caller.ear.started.wait(), GREETING_TIMEOUT_S)
        await wait_for_quiet(caller.ear, GREETING_TIMEOUT_S)
        strike_turn, strike_delay = rng.randrange(len(before)), rng.uniform(0.0, 4.0)
        agents_before = len(caller.agents_heard)
        fault_task: asyncio.Task[None] | None = None
        for turn, sentence in enumerate(before):
            if turn == strike_turn:
                fault_task = asyncio.ensure_future(_strike(stack, fault, strike_delay, report))
            if await _answered(caller, sentence, reply_timeout) is not None:
                report.answered_before += 1
        assert fault_task is not None
        await fault_task
        if agent_back_within is not None:
            since = report.recovered_at if agent_greets else float("-inf")
            await asyncio.wait_for(_agent_back(caller, agents_before, since), agent_back_within)
            await wait_for_quiet(caller.ear, reply_timeout)
        for sentence in after:
            latency = await _answered(caller, sentence, reply_timeout)
            report.answered_after.append(latency is not None)
            if len(report.answered_after) == 1:
                report.resumed_after_s = latency
    finally:
        await caller.hang_up()
    await _read_back(stack, report)
    return report


async def _strike(stack: SupervisedStack, fault: Fault, delay: float, report: FaultedCall) -> None:
    await asyncio.sleep(delay)  # the random moment itself, not a wait for anything
    report.fault_at = time.perf_counter()
    await asyncio.to_thread(fault, stack)
    report.recovered_at = time.perf_counter()


async def _agent_back(caller: Caller, agents_before: int, voiced_since: float) -> None:
    """Until the caller subscribed to an agent's audio again, voiced since ``voiced_since``."""
    while len(caller.agents_heard) <= agents_before or caller.ear.last_voice < voiced_since:
        await asyncio.sleep(0.05)


async def _read_back(stack: SupervisedStack, report: FaultedCall) -> None:
    """The transcript (once every answered turn is in, bounded) and the session's final
    status (bounded by ``FINISHED_TIMEOUT_S``)."""
    headers = {"x-api-key": stack.api_key}
    turns = report.answered_before + sum(report.answered_after)
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=10) as client:
        report.transcript = await read_transcript(client, headers, report.session_id, turns)
        deadline = time.monotonic() + FINISHED_TIMEOUT_S
        while time.monotonic() < deadline:
            resp = await client.get(f"/api/sessions/{report.session_id}", headers=headers)
            if resp.status_code == 200:
                report.status = str(resp.json().get("status", ""))
                if report.status == "finished":
                    return
            await asyncio.sleep(0.5)
