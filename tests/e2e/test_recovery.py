"""Recovery: the worker serving a call is killed with SIGKILL in the middle of a reply.

A self-hosted LiveKit server does not re-dispatch a job whose worker died, so Parley does:
the API sees the agent leave while the caller stays and dispatches again; the surviving
worker restores the conversation from Redis. The call goes on, with its history, and the
transcript keeps every turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from harness.agent import serving_worker
from harness.caller import join, read_transcript, wait_for_quiet
from harness.processes import ManagedProcess
from harness.redis_server import start_redis
from harness.stack import Stack, agent_on

pytestmark = pytest.mark.e2e

# open speech, no grammar; the second sentence gets a long answer, so the kill lands mid-reply
BEFORE = "Hello there."
INTERRUPTED = "Please tell me a long story about the sea."
AFTER = "What did I just ask you?"
RESUME_WITHIN_S = 5.0
REPLY_TIMEOUT_S = 30.0


@dataclass
class Workers:
    procs: list[ManagedProcess]
    redis_url: str

    def serving(self, room: str) -> ManagedProcess:
        """The worker whose log shows it took the job for ``room``."""
        return serving_worker(self.procs, room)


@pytest.fixture(scope="module")
def workers(stack: Stack, work_dir: Path) -> Iterator[Workers]:
    with contextlib.ExitStack() as running:
        redis = start_redis(work_dir)
        running.callback(redis.stop)
        procs = [
            running.enter_context(agent_on(stack, work_dir, name=name, redis_url=redis.url))
            for name in ("agent-a", "agent-b")
        ]
        yield Workers(procs, redis.url)


async def test_a_killed_agent_is_replaced_and_the_call_goes_on_with_its_history(
    stack: Stack, workers: Workers
) -> None:
    caller = await join(stack.api.base_url, stack.api.api_key)
    token = caller.token
    session_id = await caller.room.sid
    try:
        ear = caller.ear
        await caller.hear_reply(REPLY_TIMEOUT_S)  # the greeting

        # a first turn with the first agent
        await caller.say(BEFORE)
        await caller.hear_reply(REPLY_TIMEOUT_S)

        # the second turn: kill the serving worker as soon as its reply is heard
        serving = workers.serving(token["roomName"])
        survivor = next(p for p in workers.procs if p is not serving)
        await caller.say(INTERRUPTED)
        await asyncio.wait_for(ear.started.wait(), REPLY_TIMEOUT_S)
        first_agent = caller.agents_heard[-1]
        ear.reset()
        serving.kill()
        killed_at = time.perf_counter()

        # the replacement announces itself: that is the call resuming
        await asyncio.wait_for(ear.started.wait(), REPLY_TIMEOUT_S)
        resumed_after = ear.started_at - killed_at
        assert caller.agents_heard[-1] != first_agent
        assert resumed_after <= RESUME_WITHIN_S, (
            f"the call resumed {resumed_after:.1f} s after the kill\n{survivor.tail(60)}"
        )
        await wait_for_quiet(ear, REPLY_TIMEOUT_S)

        # the new agent knows what was said to the old one
        await caller.say(AFTER)
        await caller.hear_reply(REPLY_TIMEOUT_S)
    finally:
        await caller.hang_up()

    async with httpx.AsyncClient(base_url=stack.api.base_url, timeout=10) as client:
        transcript = await read_transcript(
            client, {"x-api-key": stack.api.api_key}, session_id, turns=3
        )
    print(f"resumed {resumed_after * 1000:.0f} ms after the kill")
    users = [str(t["text"]) for t in transcript if t["role"] == "user"]
    replies = [str(t["text"]) for t in transcript if t["role"] == "assistant"]
    # The checks are about what each agent heard, not about the recogniser's accuracy
    # (tests/agent/test_offline_voice.py scores that).
    assert len(users) == 3, transcript
    heard_by_dead_agent = users[1]
    assert heard_by_dead_agent, transcript
    # the replacement quotes what only the dead agent heard: the context survived
    assert f"Before that you said: {heard_by_dead_agent}" in replies, (
        transcript,
        survivor.tail(60),
    )
    ids = [str(t["id"]) for t in transcript]
    assert len(ids) == len(set(ids))
    indexes = [int(str(t["turnIndex"])) for t in transcript]
    assert indexes == sorted(set(indexes)), "no turn index is reused after the restore"
