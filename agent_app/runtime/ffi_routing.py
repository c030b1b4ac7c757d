"""Deliver livekit.rtc's native events only to the subscribers that want them.

livekit.rtc hands each native event to every subscriber in the process: each
``AudioStream``, each ``Room``, and each request waiting for its callback. Each then
drops what is not its own, but only after the hand-off, a ``call_soon_threadsafe`` onto
the subscriber's loop. With the thread executor every call has a loop and a thread of
its own, so each 50 ms input frame of each call woke every other call's thread, and
each reply frame's capture callback woke every room: work that grows with the square
of the calls in one worker.

``install()`` narrows the subscriptions' filters, which run on the native callback
thread before any hand-off, to what each subscriber keeps anyway:

- an ``AudioStream`` gets its own stream's events only;
- a ``Room`` gets no media stream events, no ``capture_audio_frame`` callbacks (an
  ``AudioSource`` waits for those on a subscription of its own) and no other room's
  ``room_event``;
- a request waiting for its callback (a subscription without a filter) gets no media
  stream events and no room events: it waits for one callback, by its ``async_id``.

Every other event reaches the same subscribers as before.

Upstream: livekit/python-sdks#812 (the room's unfiltered subscription), fixed for
media events by #821 after the livekit 1.1.21 Parley pins; the other narrowings are
Parley's own.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from livekit import rtc
from livekit.rtc._ffi_client import FfiClient, FfiQueue

logger = logging.getLogger("parley.agent.ffi_routing")

Event = Any
Filter = Callable[[Event], bool]

_MEDIA = frozenset({"audio_stream_event", "video_stream_event"})
_NOT_FOR_ROOMS = _MEDIA | {"capture_audio_frame"}
_NOT_FOR_CALLBACKS = _MEDIA | {"room_event"}

_installed = False


def stream_filter(handle: int) -> Filter:
    """An ``AudioStream``'s events: its own stream's."""

    def own_stream(e: Event) -> bool:
        return bool(
            e.WhichOneof("message") == "audio_stream_event"
            and e.audio_stream_event.stream_handle == handle
        )

    return own_stream


def room_filter(handle: int) -> Filter:
    """A ``Room``'s events: its own room events, and the callbacks of its requests."""

    def own_room(e: Event) -> bool:
        kind = e.WhichOneof("message")
        if kind in _NOT_FOR_ROOMS:
            return False
        return bool(kind != "room_event" or e.room_event.room_handle == handle)

    return own_room


def callback_filter(e: Event) -> bool:
    """A request's events: callbacks, never stream or room events."""
    return e.WhichOneof("message") not in _NOT_FOR_CALLBACKS


def _refilter(queue: object, filter_fn: Filter) -> None:
    """Swap ``queue``'s filter in livekit.rtc's subscriber list, under its lock (the lock
    ``put`` holds while it delivers)."""
    ffi_queue = FfiClient.instance.queue
    with ffi_queue._lock:
        subscribers = ffi_queue._subscribers
        for i, (q, loop, _) in enumerate(subscribers):
            if q is queue:
                subscribers[i] = (q, loop, filter_fn)
                return


def _fits(module_version: str) -> bool:
    """The private parts this relies on are where livekit.rtc 1.1 keeps them."""
    queue = FfiQueue[Any]()
    return (
        module_version.startswith("1.1.")
        and isinstance(getattr(queue, "_subscribers", None), list)
        and hasattr(queue, "_lock")
        and "_is_event" in vars(rtc.AudioStream)
    )


def install() -> bool:
    """Narrow the filters of every subscription made from now on (idempotent). False,
    with a warning, on a livekit.rtc this was not written for: events then reach every
    subscriber, as livekit.rtc delivers them."""
    global _installed
    if _installed:
        return True
    if not _fits(rtc.__version__):
        logger.warning(
            "livekit.rtc %s: native events go to every call in the process", rtc.__version__
        )
        return False
    _installed = True

    subscribe = FfiQueue.subscribe

    @functools.wraps(subscribe)
    def subscribe_narrowly(
        self: FfiQueue[Any],
        loop: Any = None,
        filter_fn: Filter | None = None,
    ) -> Any:
        return subscribe(self, loop, callback_filter if filter_fn is None else filter_fn)

    stream_init = rtc.AudioStream.__init__

    @functools.wraps(stream_init)
    def init_stream(self: rtc.AudioStream, *args: Any, **kwargs: Any) -> None:
        stream_init(self, *args, **kwargs)
        _refilter(self._ffi_queue, stream_filter(self._ffi_handle.handle))

    connect = rtc.Room.connect

    @functools.wraps(connect)
    async def connect_room(self: rtc.Room, *args: Any, **kwargs: Any) -> None:
        await connect(self, *args, **kwargs)
        if self._ffi_handle is not None:  # set by a successful connect
            _refilter(self._ffi_queue, room_filter(self._ffi_handle.handle))

    FfiQueue.subscribe = subscribe_narrowly  # type: ignore[method-assign]
    rtc.AudioStream.__init__ = init_stream  # type: ignore[method-assign]
    rtc.Room.connect = connect_room  # type: ignore[method-assign]
    return True
