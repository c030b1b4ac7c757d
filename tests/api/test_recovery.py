"""Recovery's decisions: dispatch only for a room with a user and no agent, retry (bounded)
while no agent arrives. The real path (LiveKit, webhooks, workers) is tests/e2e/test_recovery.py."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from livekit import api

from functions.sessions.agent_recovery import recover

USER = api.ParticipantInfo.Kind.STANDARD
AGENT = api.ParticipantInfo.Kind.AGENT


@dataclass
class FakeRoom:
    """A room whose agent appears after ``joins_after`` dispatches (never when 0)."""

    kinds: list[int]
    joins_after: int = 0
    dispatches: list[tuple[str, str]] = field(default_factory=list)

    async def participant_kinds(self, room: str) -> list[int]:
        return list(self.kinds)

    async def ensure_agent(self, room: str, metadata: str, *, force: bool = False) -> bool:
        assert force, "the dead agent's dispatch still exists: recovery must force"
        self.dispatches.append((room, metadata))
        if self.joins_after and len(self.dispatches) >= self.joins_after:
            self.kinds.append(AGENT)
        return True


async def test_dispatches_a_restoring_agent_once_when_it_joins() -> None:
    room = FakeRoom([USER], joins_after=1)
    assert await recover(room, "r1", "RM_1", join_timeout=1)
    assert len(room.dispatches) == 1
    name, metadata = room.dispatches[0]
    assert name == "r1" and json.loads(metadata) == {"sessionId": "RM_1", "restore": True}


async def test_a_phone_caller_left_alone_gets_a_restoring_agent() -> None:
    room = FakeRoom([api.ParticipantInfo.Kind.SIP], joins_after=1)
    assert await recover(room, "phone_acme__x_1", "RM_2", tenant="acme", join_timeout=1)
    assert json.loads(room.dispatches[0][1])["tenant"] == "acme"


async def test_retries_a_bounded_number_of_times_when_no_agent_comes() -> None:
    room = FakeRoom([USER])
    assert not await recover(room, "r1", "RM_1", attempts=3, join_timeout=0.01)
    assert len(room.dispatches) == 3

    late = FakeRoom([USER], joins_after=2)
    assert await recover(late, "r1", "RM_1", attempts=3, join_timeout=0.01)
    assert len(late.dispatches) == 2


async def test_no_dispatch_without_a_user_or_with_an_agent_present() -> None:
    empty = FakeRoom([])
    assert not await recover(empty, "r1", "RM_1")
    served = FakeRoom([USER, AGENT])
    assert await recover(served, "r1", "RM_1")
    assert empty.dispatches == [] and served.dispatches == []
