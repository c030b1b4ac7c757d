"""Native events reach only the call they belong to (agent_app.runtime.ffi_routing)."""

from __future__ import annotations

from livekit.rtc._proto import ffi_pb2 as proto_ffi

from agent_app.runtime.ffi_routing import callback_filter, room_filter, stream_filter
from bench.ffi_fanout import measure, tone_hz
from harness.livekit import LiveKitServer


def stream_frame(handle: int) -> proto_ffi.FfiEvent:
    event = proto_ffi.FfiEvent()
    event.audio_stream_event.stream_handle = handle
    event.audio_stream_event.eos.SetInParent()
    return event


def room_event(handle: int) -> proto_ffi.FfiEvent:
    event = proto_ffi.FfiEvent()
    event.room_event.room_handle = handle
    event.room_event.eos.SetInParent()
    return event


def capture_callback(async_id: int) -> proto_ffi.FfiEvent:
    event = proto_ffi.FfiEvent()
    event.capture_audio_frame.async_id = async_id
    return event


def publish_callback(async_id: int) -> proto_ffi.FfiEvent:
    event = proto_ffi.FfiEvent()
    event.publish_track.async_id = async_id
    return event


def test_a_stream_takes_its_own_frames_only() -> None:
    own = stream_filter(7)
    assert own(stream_frame(7))
    assert not own(stream_frame(8))
    assert not own(room_event(7))
    assert not own(capture_callback(7))


def test_a_room_takes_its_own_events_and_its_requests_callbacks() -> None:
    own = room_filter(3)
    assert own(room_event(3))
    assert not own(room_event(4))
    assert own(publish_callback(11))  # its participant waits for these on the room's queue
    assert not own(capture_callback(11))
    assert not own(stream_frame(3))


def test_a_waiting_request_takes_callbacks_only() -> None:
    assert callback_filter(capture_callback(5))
    assert callback_filter(publish_callback(5))
    assert not callback_filter(stream_frame(5))
    assert not callback_filter(room_event(5))


def test_each_call_hears_its_own_audio_and_is_not_woken_by_the_others(
    livekit: LiveKitServer,
) -> None:
    calls = 3
    library = measure("library", livekit.ws_url, calls, seconds=2.0)
    routed = measure("routed", livekit.ws_url, calls, seconds=2.0)
    for outcome in (library, routed):
        assert sorted(row["call"] for row in outcome) == list(range(calls))
        for row in outcome:
            assert row["frames"] >= 30, row
            assert abs(row["heard_hz"] - tone_hz(row["call"])) < 5, row
    for row in library:
        # livekit.rtc alone hands each call's loop every call's frames
        assert row["handoffs"] >= (calls - 0.5) * row["frames"], row
    for row in routed:
        # routed, a loop is handed its own frames and its room's few events
        assert row["handoffs"] <= 1.2 * row["frames"], row
