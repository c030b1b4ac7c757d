"""Folds LiveKit webhook events into a session document.

Webhooks arrive at least once and in any order, so every field is a merge that does
not depend on order: start times take the earliest value, end times the latest, and a
state is derived from which times are known. Applying an event twice, or two events
in either order, gives the same document.
"""

from __future__ import annotations

from typing import Any

from livekit.protocol import egress as egress_pb
from livekit.protocol import models
from livekit.protocol.webhook import WebhookEvent

from functions.core.timeutil import earliest, iso_from_epoch, latest

Document = dict[str, Any]
MAX_REMEMBERED_EVENTS = 500

_PARTICIPANT_KIND = {v: k.lower() for k, v in models.ParticipantInfo.Kind.items()}
_TRACK_TYPE = {v: k.lower() for k, v in models.TrackType.items()}
_TRACK_SOURCE = {v: k.lower() for k, v in models.TrackSource.items()}
_EGRESS_STATUS = {v: k.removeprefix("EGRESS_").lower() for k, v in egress_pb.EgressStatus.items()}
# Egress statuses only move forward; a late "active" must not undo "complete".
_EGRESS_RANK = {"starting": 0, "active": 1, "ending": 2, "complete": 3, "failed": 3, "aborted": 3}


def session_id_of(event: WebhookEvent) -> str | None:
    """The room SID the event belongs to, which is Parley's session id."""
    if event.room.sid:
        return event.room.sid
    if event.egress_info.room_id:
        return event.egress_info.room_id
    if event.ingress_info.state.room_id:
        return event.ingress_info.state.room_id
    return None


def new_session(session_id: str) -> Document:
    return {
        "id": session_id,
        "sessionId": session_id,
        "kind": "session",
        "roomName": None,
        "status": "active",
        "createdAt": None,
        "startedAt": None,
        "finishedAt": None,
        "participants": [],
        "tracks": [],
        "egress": [],
        "eventIds": [],
        "lastEventAt": None,
    }


def close_as_replaced(doc: Document, successor: str, at: str) -> bool:
    """Finish ``doc`` because its room name now belongs to ``successor``'s newer room.
    False when it had already finished."""
    if doc.get("finishedAt"):
        return False
    doc["finishedAt"] = at
    doc["status"] = "finished"
    doc["endReason"] = "replaced"
    doc["continuedIn"] = successor
    return True


def _entry(items: list[Document], key: str, value: str, blank: Document) -> Document:
    """The item whose ``key`` is ``value``; ``blank`` (with that key) is added when none is."""
    found = next((item for item in items if item.get(key) == value), None)
    if found is None:
        found = {key: value, **blank}
        items.append(found)
    return found


def _participant_state(p: Document) -> str:
    return "left" if p.get("leftAt") else "joined"


def _merge_participant(doc: Document, info: models.ParticipantInfo, at: str, left: bool) -> None:
    if not info.sid:
        return
    entry = _entry(doc["participants"], "sid", info.sid, {"joinedAt": None, "leftAt": None})
    entry["identity"] = info.identity or entry.get("identity")
    entry["name"] = info.name or entry.get("name")
    entry["kind"] = _PARTICIPANT_KIND.get(info.kind, "standard")
    # Every participant event carries the join time, so a "left" that overtakes its
    # "joined" still records when the participant arrived.
    if info.joined_at_ms:
        entry["joinedAt"] = earliest(
            entry.get("joinedAt"), iso_from_epoch(info.joined_at_ms / 1000)
        )
    elif info.joined_at:
        entry["joinedAt"] = earliest(entry.get("joinedAt"), iso_from_epoch(info.joined_at))
    elif not left:
        entry["joinedAt"] = earliest(entry.get("joinedAt"), at)
    if left:
        entry["leftAt"] = latest(entry.get("leftAt"), at)
    entry["state"] = _participant_state(entry)


def _merge_track(doc: Document, event: WebhookEvent, at: str, unpublished: bool) -> None:
    track = event.track
    if not track.sid:
        return
    blank = {"publishedAt": None, "unpublishedAt": None}
    entry = _entry(doc["tracks"], "sid", track.sid, blank)
    entry["participantSid"] = event.participant.sid or entry.get("participantSid")
    entry["type"] = _TRACK_TYPE.get(track.type, "unknown")
    entry["source"] = _TRACK_SOURCE.get(track.source, "unknown")
    if unpublished:
        entry["unpublishedAt"] = latest(entry.get("unpublishedAt"), at)
    else:
        entry["publishedAt"] = earliest(entry.get("publishedAt"), at)


def _merge_egress(doc: Document, info: egress_pb.EgressInfo, at: str) -> None:
    if not info.egress_id:
        return
    entry = _entry(
        doc["egress"], "egressId", info.egress_id, {"status": "starting", "updatedAt": None}
    )
    status = _EGRESS_STATUS.get(info.status, "starting")
    if _EGRESS_RANK.get(status, 0) >= _EGRESS_RANK.get(entry["status"], 0):
        entry["status"] = status
    entry["updatedAt"] = latest(entry.get("updatedAt"), at)
    if info.error:
        entry["error"] = info.error[:500]


def apply_event(doc: Document, event: WebhookEvent) -> bool:
    """Merge ``event`` into ``doc`` in place. False when the event was already applied."""
    if event.id and event.id in doc["eventIds"]:
        return False
    at = iso_from_epoch(event.created_at) if event.created_at else None
    kind = event.event
    if event.room.name:
        doc["roomName"] = event.room.name
    elif event.egress_info.room_name and not doc.get("roomName"):
        doc["roomName"] = event.egress_info.room_name
    if event.room.creation_time:
        created = (
            iso_from_epoch(event.room.creation_time_ms / 1000)
            if event.room.creation_time_ms
            else iso_from_epoch(event.room.creation_time)
        )
        doc["startedAt"] = earliest(doc.get("startedAt"), created)
    if kind == "room_started" and at:
        doc["startedAt"] = earliest(doc.get("startedAt"), at)
    elif kind == "room_finished" and at:
        doc["finishedAt"] = latest(doc.get("finishedAt"), at)
        if event.room_end_reason:
            doc["endReason"] = str(event.room_end_reason)
    elif kind in ("participant_joined", "participant_left", "participant_connection_aborted"):
        _merge_participant(doc, event.participant, at or "", left=kind != "participant_joined")
    elif kind in ("track_published", "track_unpublished"):
        _merge_track(doc, event, at or "", unpublished=kind == "track_unpublished")
    elif kind.startswith("egress_"):
        _merge_egress(doc, event.egress_info, at or "")
    # Keep lists in a stable order so the same events give the same document.
    doc["participants"].sort(key=lambda p: (p.get("joinedAt") or "", p["sid"]))
    doc["tracks"].sort(key=lambda t: (t.get("publishedAt") or "", t["sid"]))
    doc["egress"].sort(key=lambda e: e["egressId"])
    doc["status"] = "finished" if doc.get("finishedAt") else "active"
    doc["createdAt"] = earliest(doc.get("createdAt"), earliest(doc.get("startedAt"), at))
    doc["lastEventAt"] = latest(doc.get("lastEventAt"), at)
    if event.id:
        doc["eventIds"] = [*doc["eventIds"], event.id][-MAX_REMEMBERED_EVENTS:]
    return True
