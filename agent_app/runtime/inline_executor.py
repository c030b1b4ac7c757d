"""An executor that runs each call at once, on the calling thread.

livekit-agents' VAD hands every 32 ms window to a one-thread executor of its own per
call. Silero's native ``predict`` takes about a tenth of a millisecond (and releases the
GIL), so the hand-off costs more than the inference: a thread per call, two context
switches and a wake-up of the call's event loop per window, 31 times a second. Run in
place, the window is scored inside the VAD task that asked for it.

Upstream: none filed (livekit-agents' ``inference.VAD`` takes an ``executor`` for this).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any, TypeVar

T = TypeVar("T")


class InlineExecutor(Executor):
    """``submit`` runs ``fn`` before returning: the future it returns is already done."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # the caller awaits the future: it re-raises there
            future.set_exception(exc)
        return future
