"""A synthetic caller talks to the real agent over real WebRTC through a real LiveKit server:
open sentences in a natural voice that is not the agent's, no grammar."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.agent import start_agent
from harness.caller import DEFAULT_SENTENCES as CALLER_SENTENCES
from harness.caller import call
from harness.processes import ManagedProcess
from harness.stack import Stack

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def agent(stack: Stack, work_dir: Path) -> Iterator[ManagedProcess]:
    proc = start_agent(work_dir, stack.livekit.ws_url, stack.api.base_url, stack.api.agent_key)
    yield proc
    proc.stop(timeout=30)


async def test_every_turn_gets_a_spoken_reply_and_lands_in_the_transcript(
    stack: Stack, agent: ManagedProcess
) -> None:
    result = await call(stack.api.base_url, stack.api.api_key, CALLER_SENTENCES, reply_timeout=20)
    replied = [t.said for t in result.turns if t.reply_started is not None]
    assert replied == CALLER_SENTENCES, agent.tail(60)
    roles = [item["role"] for item in result.transcript]
    assert roles.count("user") >= len(CALLER_SENTENCES), result.transcript
    assert roles.count("assistant") >= len(CALLER_SENTENCES), result.transcript
    turn_indexes = [int(str(item["turnIndex"])) for item in result.transcript]
    assert turn_indexes == sorted(turn_indexes)
    # understood, and answered rather than echoed
    assert result.word_accuracy >= 0.9, (result.heard, agent.tail(60))
    replies = [str(i["text"]) for i in result.transcript if i["role"] == "assistant"]
    assert any(r.startswith("It's ") and "UTC" in r for r in replies), replies
    assert not any("I heard" in r for r in replies), replies
