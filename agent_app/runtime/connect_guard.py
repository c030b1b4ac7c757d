"""A cancelled ``Room.connect`` still finishes livekit-ffi's handshake, then leaves.

livekit.rtc sends ``ReadyForRoomEventRequest`` as the last statement of
``Room.connect``, after its only ``await``. A connect cancelled while it waits (a job shut
down while it joins, a bounded join) never sends it, yet livekit-ffi goes on to join the
room and then waits for it. 15 s later livekit-ffi panics ("timed out waiting for
ReadyForRoomEventRequest"), and livekit.rtc answers every panic with SIGTERM to its own
process: with calls as threads or tasks of one process, every call in the worker ends
(livekit/python-sdks#784, still open).

``install()`` notes the ``async_id`` of every connect request made inside
``Room.connect``. When a connect is cancelled, its ``async_id`` is handed to this
module's own thread, which answers the handshake for the room livekit-ffi joined and
disconnects it: the half-joined room leaves and nothing panics. The connect callback is
watched on livekit.rtc's native callback thread (a filter that takes nothing), so it is
seen whether it arrives before or after the cancel, and whatever becomes of the job's
loop.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import threading
from collections import OrderedDict
from typing import Any

from livekit import rtc
from livekit.rtc._ffi_client import FfiClient, FfiHandle
from livekit.rtc._proto import ffi_pb2 as proto_ffi

logger = logging.getLogger("parley.agent.connect_guard")

LEAVE_TIMEOUT_S = 10.0
"""How long the disconnect of a half-joined room may take before its handle is dropped
anyway."""
_REMEMBERED = 256
"""Joined rooms remembered per process, for a cancel that comes after its callback."""

_connect_ids: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "parley_connect_ids", default=None
)


class StrandedConnects:
    """Rooms livekit-ffi joined for a ``Room.connect`` that was cancelled: each gets its
    handshake answered and is disconnected, on a thread of this module's own."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._joined: OrderedDict[int, int] = OrderedDict()  # async_id -> room handle
        self._cancelled: set[int] = set()
        self._loop = asyncio.new_event_loop()
        self._tasks: set[asyncio.Task[None]] = set()
        self._watching = False
        self.left: list[int] = []
        """Handles of the rooms this guard has finished trying to leave (read by tests)."""

    def start(self) -> None:
        """Watch connect callbacks from now on (idempotent). Called by the first connect,
        not at set-up: a worker whose calls run in processes of their own starts no
        native runtime in its main process."""
        with self._lock:
            if self._watching:
                return
            self._watching = True
        FfiClient.instance.queue.subscribe(self._loop, filter_fn=self.watch)
        threading.Thread(target=self._loop.run_forever, name="parley-connects", daemon=True).start()

    def watch(self, event: Any) -> bool:
        """livekit.rtc's subscription filter, on its native callback thread: takes note of
        each connect callback that joined a room, hands on nothing."""
        if event.WhichOneof("message") != "connect":
            return False
        callback = event.connect
        joined = callback.WhichOneof("message") == "result"  # else it failed: no room
        with self._lock:
            if callback.async_id not in self._cancelled:
                if joined:
                    self._joined[callback.async_id] = callback.result.room.handle.id
                    while len(self._joined) > _REMEMBERED:
                        self._joined.popitem(last=False)
                return False
            self._cancelled.discard(callback.async_id)
        if joined:
            self._loop.call_soon_threadsafe(self._leave, callback.result.room.handle.id)
        return False

    def cancelled(self, async_id: int) -> None:
        """The ``Room.connect`` that sent ``async_id`` was cancelled: whenever its room is
        joined (or now, if it already was), finish the handshake and leave."""
        with self._lock:
            handle = self._joined.pop(async_id, None)
            if handle is None:
                self._cancelled.add(async_id)
                return
        self._loop.call_soon_threadsafe(self._leave, handle)

    def _leave(self, handle: int) -> None:
        task = self._loop.create_task(self._finish_and_leave(handle))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _finish_and_leave(self, handle: int) -> None:
        ffi = FfiClient.instance
        room = FfiHandle(handle)  # ours now: dropped below, whatever happens
        ready = proto_ffi.FfiRequest()
        ready.ready_for_room_event.room_handle = handle
        leave = proto_ffi.FfiRequest()
        leave.disconnect.room_handle = handle
        leave.disconnect.reason = rtc.DisconnectReason.CLIENT_INITIATED
        answers = ffi.queue.subscribe(self._loop)
        try:
            ffi.request(ready)
            sent = ffi.request(leave)
            await asyncio.wait_for(
                answers.wait_for(lambda e: e.disconnect.async_id == sent.disconnect.async_id),
                LEAVE_TIMEOUT_S,
            )
            logger.warning("a cancelled room connect had joined: answered its handshake, left")
        except Exception:
            logger.exception("could not leave the room of a cancelled connect")
        finally:
            ffi.queue.unsubscribe(answers)
            room.dispose()
            self.left.append(handle)


_guard: StrandedConnects | None = None


def install() -> StrandedConnects:
    """Guard every ``Room.connect`` of this process from now on (idempotent)."""
    global _guard
    if _guard is not None:
        return _guard
    guard = _guard = StrandedConnects()

    request = FfiClient.request

    @functools.wraps(request)
    def request_noting_connects(self: FfiClient, req: proto_ffi.FfiRequest) -> Any:
        resp = request(self, req)
        noted = _connect_ids.get()
        if noted is not None and req.HasField("connect"):
            noted.append(resp.connect.async_id)
        return resp

    connect = rtc.Room.connect

    @functools.wraps(connect)
    async def connect_or_leave(self: rtc.Room, *args: Any, **kwargs: Any) -> None:
        guard.start()  # before the request: its callback must not be missed
        sent: list[int] = []
        token = _connect_ids.set(sent)
        try:
            await connect(self, *args, **kwargs)
        except asyncio.CancelledError:
            for async_id in sent:
                guard.cancelled(async_id)
            # the room's own subscription, made before the request, would outlive the job's
            # loop: every later native event would fail to reach it and log an error
            events = vars(self).get("_ffi_queue")
            if events is not None and self._ffi_handle is None:
                FfiClient.instance.queue.unsubscribe(events)
            raise
        finally:
            _connect_ids.reset(token)

    FfiClient.request = request_noting_connects  # type: ignore[method-assign]
    rtc.Room.connect = connect_or_leave  # type: ignore[method-assign]
    return guard
