"""Background loops the worker runs beside the calls, each on a daemon thread of its own."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any


def start_loop_thread(
    name: str, run: Callable[[threading.Event], Coroutine[Any, Any, None]]
) -> threading.Event:
    """Run ``run(stop)`` on a daemon thread with its own event loop (never on a call's
    loop); set the returned event to stop it."""
    stop = threading.Event()
    threading.Thread(target=lambda: asyncio.run(run(stop)), name=name, daemon=True).start()
    return stop
