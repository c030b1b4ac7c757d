"""Recovery's decisions: dispatch only for a room with a user and no agent, retry with
back-off (bounded) while no agent arrives, never holding up the webhook that started it.
The real path (LiveKit, webhooks, workers) is tests/e2e/test_recovery.py."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field

import httpx
from livekit import api

from functions.services import ServiceHolder
from functions.sessions.agent_recovery import dispatch_waits, recover
from harness.waiting import wait_for
from harness.webhooks import room_event, sign_webhook, webhook_body

USER = api.ParticipantInfo.Kind.STANDARD
AGENT = api.ParticipantInfo.Kind.AGENT


@dataclass
class FakeRoom:
    """A room whose agent appears after ``joins_after`` dispatches (never when 0)."""

    kinds: list[int]
    joins_after: int = 0
    failing_calls: int = 0
    dispatches: list[tuple[str, str]] = field(default_factory=list)

    async def participant_kinds(self, room: str) -> list[int]:
        return list(self.kinds)

    async def ensure_agent(self, room: str, metadata: str, *, force: bool = False) -> bool:
        assert force, "the dead agent's dispatch still exists: recovery must force"
        if self.failing_calls:
            self.failing_calls -= 1
            raise ConnectionError("the LiveKit server is restarting")
        self.dispatches.append((room, metadata))
        if self.joins_after and len(self.dispatches) >= self.joins_after:
            self.kinds.append(AGENT)
        return True


async def test_dispatches_a_restoring_agent_once_when_it_joins() -> None:
    room = FakeRoom([USER], joins_after=1)
    assert await recover(room, "r1", "RM_1", waits=[1.0])
    assert len(room.dispatches) == 1
    name, metadata = room.dispatches[0]
    assert name == "r1" and json.loads(metadata) == {"sessionId": "RM_1", "restore": True}


QUICK = [0.01] * 8
"""Eight dispatches, each waited on briefly: the schedule's shape, without its minute."""


async def test_a_phone_caller_left_alone_gets_a_restoring_agent() -> None:
    room = FakeRoom([api.ParticipantInfo.Kind.SIP], joins_after=1)
    assert await recover(room, "phone_acme__x_1", "RM_2", tenant="acme", waits=QUICK)
    assert json.loads(room.dispatches[0][1])["tenant"] == "acme"


def test_the_schedule_backs_off_and_spends_exactly_the_bound() -> None:
    waits = dispatch_waits(bound=60.0, first=5.0, longest=10.0)
    assert waits[0] == 5.0
    # never shorter, but for the last, which ends at the bound
    assert all(b >= a for a, b in zip(waits[:-1], waits[1:-1], strict=False))
    assert max(waits) == 10.0
    assert sum(waits) == 60.0
    # more dispatches, over a longer time, than the three 10 s attempts that missed a
    # worker restarting after ~10 s
    assert len(waits) > 3 and sum(waits) > 30.0


async def test_keeps_dispatching_until_a_worker_takes_the_job() -> None:
    # the first four dispatches find no worker (it is still restarting); the fifth does
    late = FakeRoom([USER], joins_after=5)
    assert await recover(late, "r1", "RM_1", waits=QUICK)
    assert len(late.dispatches) == 5


async def test_gives_up_when_the_bound_is_spent() -> None:
    room = FakeRoom([USER])
    assert not await recover(room, "r1", "RM_1", waits=QUICK)
    assert len(room.dispatches) == len(QUICK)


async def test_a_failed_server_call_costs_one_attempt_not_the_recovery() -> None:
    room = FakeRoom([USER], joins_after=1, failing_calls=2)
    assert await recover(room, "r1", "RM_1", waits=QUICK)
    assert len(room.dispatches) == 1


async def test_no_dispatch_without_a_user_or_with_an_agent_present() -> None:
    empty = FakeRoom([])
    assert not await recover(empty, "r1", "RM_1")
    served = FakeRoom([USER, AGENT])
    assert await recover(served, "r1", "RM_1")
    assert empty.dispatches == [] and served.dispatches == []


async def test_the_webhook_answers_while_recovery_keeps_trying(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/health")).status_code == 200
    holder: ServiceHolder = client._transport.app.state.services  # type: ignore[attr-defined]
    svc = await holder.get()
    room = FakeRoom([USER])  # no worker ever comes: recovery runs its whole minute
    gateway, svc.livekit = svc.livekit, room  # type: ignore[assignment]
    sid = f"RM_{uuid.uuid4().hex[:12]}"
    event = room_event("participant_left", sid, "r-recover", int(time.time()))
    event.participant.kind = AGENT
    event.participant.identity = "agent-1"
    body = webhook_body(event)
    resp = await client.post(
        "/api/livekit/webhook",
        content=body,
        headers={"Authorization": sign_webhook(body), "Content-Type": "application/webhook+json"},
    )
    assert resp.status_code == 200, resp.text
    (recovery,) = svc.background
    try:
        await wait_for(lambda: bool(room.dispatches), 10, "the first re-dispatch")
        assert not recovery.done(), "recovery waits for a worker, beside the answered webhook"
    finally:
        recovery.cancel()
        svc.livekit = gateway
