"""POST /api/livekit/webhook: verification, idempotency and out-of-order delivery."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import timedelta

import httpx
from livekit import api
from livekit.protocol.webhook import WebhookEvent

from harness.api import INTEGRATOR
from harness.livekit import DEV_LIVEKIT_KEY, DEV_LIVEKIT_SECRET
from harness.webhooks import body_digest, post_event, room_event, sign_webhook, webhook_body


def new_sid() -> str:
    return f"RM_{uuid.uuid4().hex[:12]}"


def participant(
    sid: str, identity: str, joined_at: int, agent: bool = False
) -> api.ParticipantInfo:
    kind = api.ParticipantInfo.Kind.AGENT if agent else api.ParticipantInfo.Kind.STANDARD
    return api.ParticipantInfo(
        sid=sid, identity=identity, joined_at=joined_at, joined_at_ms=joined_at * 1000, kind=kind
    )


async def session(client: httpx.AsyncClient, sid: str) -> httpx.Response:
    return await client.get(f"/api/sessions/{sid}", headers=INTEGRATOR)


def lifecycle(sid: str, room: str, t0: int) -> list[WebhookEvent]:
    user = participant("PA_user", "alice", t0 + 1)
    agent = participant("PA_agent", "agent-1", t0 + 2, agent=True)
    return [
        room_event("room_started", sid, room, t0),
        room_event("participant_joined", sid, room, t0 + 1, participant=user),
        room_event("participant_joined", sid, room, t0 + 2, participant=agent),
        room_event("participant_left", sid, room, t0 + 30, participant=user),
        room_event("participant_left", sid, room, t0 + 31, participant=agent),
        room_event("room_finished", sid, room, t0 + 40),
    ]


async def test_verified_event_is_recorded(client: httpx.AsyncClient) -> None:
    sid = new_sid()
    resp = await post_event(client, room_event("room_started", sid, "lobby", int(time.time())))
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"status": "recorded", "event": "room_started", "sessionId": sid}
    got = await session(client, sid)
    assert got.status_code == 200
    assert got.json()["status"] == "active"
    assert got.json()["roomName"] == "lobby"


async def test_forged_webhooks_are_401_and_write_nothing(client: httpx.AsyncClient) -> None:
    sid = new_sid()
    body = webhook_body(room_event("room_started", sid, "forged", int(time.time())))
    other = webhook_body(room_event("room_started", new_sid(), "other", int(time.time())))
    expired_token = (
        api.AccessToken(DEV_LIVEKIT_KEY, DEV_LIVEKIT_SECRET)
        .with_sha256(body_digest(body))
        .with_ttl(timedelta(seconds=-3600))
        .to_jwt()
    )
    cases = {
        "no header": {},
        "wrong secret": {"Authorization": sign_webhook(body, secret="x" * 40)},
        "wrong key": {"Authorization": sign_webhook(body, key="otherkey")},
        "hash of another body": {"Authorization": sign_webhook(other)},
        "expired": {"Authorization": expired_token},
        "garbage": {"Authorization": "Bearer not.a.jwt"},
        "unsigned token": {
            "Authorization": api.AccessToken(DEV_LIVEKIT_KEY, DEV_LIVEKIT_SECRET).to_jwt()
        },
    }
    for name, headers in cases.items():
        resp = await client.post("/api/livekit/webhook", content=body, headers=headers)
        assert resp.status_code == 401, name
        assert resp.json()["error"] == "invalid_signature", name
    # A valid signature over a tampered body fails too.
    tampered = body.replace("forged", "forgex")
    resp = await client.post(
        "/api/livekit/webhook", content=tampered, headers={"Authorization": sign_webhook(body)}
    )
    assert resp.status_code == 401
    assert (await session(client, sid)).status_code == 404


async def test_out_of_order_and_duplicate_delivery_gives_the_same_session(
    client: httpx.AsyncClient,
) -> None:
    t0 = int(time.time()) - 100
    in_order_sid, shuffled_sid = new_sid(), new_sid()
    for event in lifecycle(in_order_sid, "room-a", t0):
        assert (await post_event(client, event)).status_code == 200

    events = lifecycle(shuffled_sid, "room-a", t0)
    # Reverse order, and every event delivered twice.
    for event in [*reversed(events), *events]:
        assert (await post_event(client, event)).status_code == 200

    a = (await session(client, in_order_sid)).json()
    b = (await session(client, shuffled_sid)).json()
    for doc in (a, b):
        assert doc["status"] == "finished"
        states = {p["identity"]: p["state"] for p in doc["participants"]}
        assert states == {"alice": "left", "agent-1": "left"}
        assert doc["startedAt"] < doc["finishedAt"]
        agent = next(p for p in doc["participants"] if p["identity"] == "agent-1")
        assert agent["kind"] == "agent"
        assert agent["joinedAt"] < agent["leftAt"]
    strip = ("sessionId", "id", "lastEventAt")
    assert {k: v for k, v in a.items() if k not in strip} == {
        k: v for k, v in b.items() if k not in strip
    }


async def test_late_joined_does_not_resurrect_a_participant_or_room(
    client: httpx.AsyncClient,
) -> None:
    sid, t0 = new_sid(), int(time.time())
    user = participant("PA_x", "bob", t0)
    await post_event(client, room_event("room_finished", sid, "r", t0 + 60))
    await post_event(client, room_event("participant_left", sid, "r", t0 + 50, participant=user))
    await post_event(client, room_event("participant_joined", sid, "r", t0, participant=user))
    await post_event(client, room_event("room_started", sid, "r", t0 - 1))
    doc = (await session(client, sid)).json()
    assert doc["status"] == "finished"
    assert doc["participants"][0]["state"] == "left"
    assert doc["participants"][0]["joinedAt"] is not None


async def test_concurrent_events_for_one_session_are_all_kept(client: httpx.AsyncClient) -> None:
    sid, t0 = new_sid(), int(time.time())
    events = [
        room_event(
            "participant_joined",
            sid,
            "busy",
            t0 + i,
            participant=participant(f"PA_{i}", f"u{i}", t0 + i),
        )
        for i in range(12)
    ]
    results = await asyncio.gather(*(post_event(client, e) for e in events))
    assert [r.status_code for r in results] == [200] * len(results), [r.text for r in results]
    doc = (await session(client, sid)).json()
    assert sorted(p["identity"] for p in doc["participants"]) == sorted(f"u{i}" for i in range(12))


async def test_track_and_egress_events(client: httpx.AsyncClient) -> None:
    sid, t0 = new_sid(), int(time.time())
    published = room_event(
        "track_published", sid, "t", t0, participant=participant("PA_t", "t", t0)
    )
    published.track.CopyFrom(
        api.TrackInfo(sid="TR_1", type=api.TrackType.AUDIO, source=api.TrackSource.MICROPHONE)
    )
    await post_event(client, published)
    ended = WebhookEvent(event="egress_ended", id="EV_eg2", created_at=t0 + 9)
    ended.egress_info.CopyFrom(
        api.EgressInfo(egress_id="EG_1", room_id=sid, status=api.EgressStatus.EGRESS_COMPLETE)
    )
    started = WebhookEvent(event="egress_started", id="EV_eg1", created_at=t0 + 1)
    started.egress_info.CopyFrom(
        api.EgressInfo(egress_id="EG_1", room_id=sid, status=api.EgressStatus.EGRESS_ACTIVE)
    )
    await post_event(client, ended)
    await post_event(client, started)  # late: must not move the egress back to active
    doc = (await session(client, sid)).json()
    assert doc["tracks"][0]["type"] == "audio"
    assert doc["tracks"][0]["source"] == "microphone"
    assert doc["egress"] == [
        {
            "egressId": "EG_1",
            "status": "complete",
            "updatedAt": doc["egress"][0]["updatedAt"],
            "error": None,
        }
    ]


async def test_a_room_restarted_by_livekit_closes_the_session_it_replaces(
    client: httpx.AsyncClient,
) -> None:
    """A LiveKit server restarted mid-call: the call rejoins a room of the same name with
    a new SID, and the old room never sends `room_finished`."""
    t0 = int(time.time()) - 100
    room = f"restart-{uuid.uuid4().hex[:6]}"
    first, second = new_sid(), new_sid()
    for event in lifecycle(first, room, t0)[:3]:  # started, both joined; then the crash
        assert (await post_event(client, event)).status_code == 200
    assert (await session(client, first)).json()["status"] == "active"

    rejoined = room_event("room_started", second, room, t0 + 20)
    assert (await post_event(client, rejoined)).status_code == 200

    old, new = (await session(client, first)).json(), (await session(client, second)).json()
    assert (old["status"], old["endReason"], old["continuedIn"]) == ("finished", "replaced", second)
    assert old["finishedAt"] == new["startedAt"]
    assert (new["status"], new["continuedIn"]) == ("active", None)

    # the first room's own events, re-delivered late, close nothing newer
    for event in lifecycle(first, room, t0)[:3]:
        assert (await post_event(client, event)).status_code == 200
    assert (await session(client, second)).json()["status"] == "active"
