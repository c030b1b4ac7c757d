"""Room events → session events (the room-event recorder), shipped through the outbox
(never awaited)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from livekit import rtc

EventSink = Callable[[dict[str, Any]], None]
DataHandler = Callable[[rtc.DataPacket], None]


def make_event(session_id: str, type_: str, data: dict[str, Any]) -> dict[str, Any]:
    """An API session event; the id is fixed once so retries stay idempotent."""
    return {
        "id": f"{session_id}-evt-{uuid.uuid4().hex}",
        "type": type_,
        "at": datetime.now(UTC).isoformat(),
        "data": data,
    }


def _participant(p: rtc.RemoteParticipant | rtc.Participant | None) -> dict[str, Any]:
    if p is None:
        return {}
    return {"participantIdentity": p.identity, "participantSid": p.sid}


class RoomEventRecorder:
    """Subscribes to a room's events and turns each into one session event.

    It can be attached before the room connects (so nothing that happens while
    connecting is missed): events wait in a small buffer until ``bind`` names the
    session and the sink.
    """

    def __init__(
        self,
        session_id: str | None = None,
        sink: EventSink | None = None,
        *,
        data_handlers: dict[str, DataHandler] | None = None,
    ) -> None:
        self._session_id = session_id
        self._sink = sink
        self._early: list[tuple[str, dict[str, Any], str]] = []
        self._data_handlers = dict(data_handlers or {})

    def bind(self, session_id: str, sink: EventSink) -> None:
        """Name the session and start delivering, oldest buffered event first."""
        self._session_id, self._sink = session_id, sink
        early, self._early = self._early, []
        for type_, data, at in early:
            sink({**make_event(session_id, type_, data), "at": at})

    def add_data_handler(self, topic: str, handler: DataHandler) -> None:
        """Route data messages on ``topic`` to ``handler`` (after recording them)."""
        self._data_handlers[topic] = handler

    def record(self, type_: str, data: dict[str, Any]) -> None:
        if self._session_id is None or self._sink is None:
            self._early.append((type_, data, datetime.now(UTC).isoformat()))
            return
        self._sink(make_event(self._session_id, type_, data))

    def attach(self, room: rtc.Room) -> None:
        room.on("participant_connected", self.on_participant_connected)
        room.on("participant_disconnected", self.on_participant_disconnected)
        room.on("track_subscribed", self.on_track_subscribed)
        room.on("track_unsubscribed", self.on_track_unsubscribed)
        room.on("data_received", self.on_data_received)
        room.on("connection_quality_changed", self.on_connection_quality_changed)

    def on_participant_connected(self, participant: rtc.RemoteParticipant) -> None:
        self.record(
            "participant_connected", {**_participant(participant), "kind": int(participant.kind)}
        )

    def on_participant_disconnected(self, participant: rtc.RemoteParticipant) -> None:
        reason = getattr(participant, "disconnect_reason", None)
        self.record(
            "participant_disconnected",
            {**_participant(participant), "reason": str(reason) if reason is not None else None},
        )

    def _track(
        self,
        type_: str,
        track: rtc.Track,
        publication: rtc.RemoteTrackPublication,
        participant: rtc.RemoteParticipant,
    ) -> None:
        self.record(
            type_,
            {
                **_participant(participant),
                "trackSid": publication.sid,
                "trackKind": int(track.kind),
                "source": int(publication.source),
            },
        )

    def on_track_subscribed(
        self,
        track: rtc.Track,
        publication: rtc.RemoteTrackPublication,
        participant: rtc.RemoteParticipant,
    ) -> None:
        self._track("track_subscribed", track, publication, participant)

    def on_track_unsubscribed(
        self,
        track: rtc.Track,
        publication: rtc.RemoteTrackPublication,
        participant: rtc.RemoteParticipant,
    ) -> None:
        self._track("track_unsubscribed", track, publication, participant)

    def on_data_received(self, packet: rtc.DataPacket) -> None:
        # the payload may be private: record its topic and size, hand it to its handler
        self.record(
            "data_received",
            {**_participant(packet.participant), "topic": packet.topic, "bytes": len(packet.data)},
        )
        handler = self._data_handlers.get(packet.topic or "")
        if handler is not None:
            handler(packet)

    def on_connection_quality_changed(
        self, participant: rtc.Participant | None, quality: rtc.ConnectionQuality
    ) -> None:
        self.record(
            "connection_quality_changed",
            {**_participant(participant), "quality": rtc.ConnectionQuality(quality).name},
        )
