"""A cancelled room connect leaves the room instead of panicking the worker
(agent_app.runtime.connect_guard)."""

from __future__ import annotations

import concurrent.futures
import threading
from typing import Any

from livekit.rtc._proto import ffi_pb2 as proto_ffi

from agent_app.runtime.connect_guard import StrandedConnects
from harness.livekit import LiveKitServer
from harness.processes import run_probe

# In a fresh interpreter: without the guard, livekit-ffi panics 15 s after a cancelled
# connect and livekit.rtc sends SIGTERM to the process. Three joins of a real server:
# cancelled while waiting for the connect callback, cancelled after the callback came
# but before the connect read it, and left alone.
PROBE = """
import asyncio, json, sys, time
from livekit import api, rtc
from agent_app.runtime import connect_guard, ffi_routing
from harness.livekit import DEV_LIVEKIT_KEY, DEV_LIVEKIT_SECRET, join_token

ffi_routing.install()  # as the worker's process set-up does, in this order
guard = connect_guard.install()
ws_url, http_url = sys.argv[1], sys.argv[2]


async def until(condition, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def present(lk: api.LiveKitAPI, room: str) -> bool:
    listed = await lk.room.list_participants(api.ListParticipantsRequest(room=room))
    return any(p.identity == "agent" for p in listed.participants)


async def cancelled_join(lk: api.LiveKitAPI, room: str, after_callback: bool) -> dict:
    left_before = len(guard.left)
    joined_before = len(guard._joined)
    attempt = asyncio.create_task(rtc.Room().connect(ws_url, join_token(room, "agent")))
    await asyncio.sleep(0)  # the connect request is sent: the FFI is joining
    if after_callback:
        # hold this loop until the callback has reached the native thread, so the
        # connect is cancelled with its callback queued but unread
        deadline = time.monotonic() + 10
        while len(guard._joined) == joined_before and time.monotonic() < deadline:
            time.sleep(0.005)
    attempt.cancel()
    try:
        await attempt
        return {"cancelled": False}
    except asyncio.CancelledError:
        pass

    async def guard_left() -> bool:
        return len(guard.left) > left_before

    async def gone() -> bool:
        return not await present(lk, room)

    await until(guard_left, "the guard to leave the room")
    await until(gone, "the agent to leave the room on the server")
    return {"cancelled": True, "left": len(guard.left) - left_before}


async def main() -> None:
    lk = api.LiveKitAPI(http_url, DEV_LIVEKIT_KEY, DEV_LIVEKIT_SECRET)
    try:
        late = await cancelled_join(lk, "cancelled-while-joining", after_callback=False)
        early = await cancelled_join(lk, "cancelled-once-joined", after_callback=True)
        left_before = len(guard.left)
        room = rtc.Room()
        await room.connect(ws_url, join_token("left-alone", "agent"))
        on_server = await present(lk, "left-alone")
        connected = room.isconnected()
        await room.disconnect()
        print(json.dumps({
            "late": late,
            "early": early,
            "normal": {
                "connected": connected,
                "on_server": on_server,
                "left_by_guard": len(guard.left) - left_before,
            },
        }))
    finally:
        await lk.aclose()


asyncio.run(main())
"""


def test_a_cancelled_connect_leaves_the_room_and_the_process_lives(
    livekit: LiveKitServer,
) -> None:
    probe = run_probe(PROBE, livekit.ws_url, livekit.http_url)
    assert probe["late"] == {"cancelled": True, "left": 1}
    assert probe["early"] == {"cancelled": True, "left": 1}
    assert probe["normal"] == {"connected": True, "on_server": True, "left_by_guard": 0}


class Recording(StrandedConnects):
    """The bookkeeping alone: rooms it would leave are recorded, not left."""

    def __init__(self) -> None:
        super().__init__()
        self.leaving: list[int] = []

    def _leave(self, handle: int) -> None:
        self.leaving.append(handle)


def joined(async_id: int, handle: int) -> Any:
    event = proto_ffi.FfiEvent()
    event.connect.async_id = async_id
    event.connect.result.room.handle.id = handle
    return event


def failed(async_id: int) -> Any:
    event = proto_ffi.FfiEvent()
    event.connect.async_id = async_id
    event.connect.error = "could not join"
    return event


def test_only_rooms_of_cancelled_connects_are_left_whichever_comes_first() -> None:
    guard = Recording()
    threading.Thread(target=guard._loop.run_forever, daemon=True).start()
    guard.cancelled(1)  # cancelled, then joined
    assert guard.watch(joined(1, 101)) is False  # never handed to a subscriber
    guard.watch(joined(2, 102))  # joined, then cancelled
    guard.cancelled(2)
    guard.watch(joined(3, 103))  # joined and read by its connect: left alone
    guard.cancelled(4)  # cancelled, then failed: nothing was joined
    guard.watch(failed(4))
    assert not guard._cancelled  # nothing left waiting for a callback that came
    assert sorted(_handed_over(guard)) == [101, 102]
    guard._loop.call_soon_threadsafe(guard._loop.stop)


def _handed_over(guard: Recording) -> list[int]:
    """The rooms it chose to leave, once its thread has run every hand-over queued."""
    flushed: concurrent.futures.Future[None] = concurrent.futures.Future()
    guard._loop.call_soon_threadsafe(flushed.set_result, None)
    flushed.result(timeout=5)
    return guard.leaving
