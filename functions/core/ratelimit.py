"""A per-identity sliding-window rate limiter held in process memory.

Each Function App instance limits on its own; with N instances an identity can reach at
most N times the limit, which is acceptable for abuse protection on token issuing.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    retry_after_seconds: int


class SlidingWindowLimiter:
    """Allows ``limit`` events per ``window_seconds`` for each key."""

    def __init__(
        self,
        limit: int,
        window_seconds: float = 60.0,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limit = limit
        self._window = window_seconds
        self._max_keys = max_keys
        self._clock = clock
        self._events: dict[str, deque[float]] = {}

    def check(self, key: str) -> RateDecision:
        now = self._clock()
        events = self._events.get(key)
        if events is None:
            if len(self._events) >= self._max_keys:
                self._evict_idle(now)
            events = self._events[key] = deque()
        horizon = now - self._window
        while events and events[0] <= horizon:
            events.popleft()
        if len(events) >= self._limit:
            wait = events[0] + self._window - now
            return RateDecision(False, max(1, math.ceil(wait)))
        events.append(now)
        return RateDecision(True, 0)

    def _evict_idle(self, now: float) -> None:
        horizon = now - self._window
        idle = [k for k, ev in self._events.items() if not ev or ev[-1] <= horizon]
        for key in idle:
            del self._events[key]
        # Still full: drop the oldest half rather than grow without bound.
        if len(self._events) >= self._max_keys:
            for key in list(self._events)[: self._max_keys // 2]:
                del self._events[key]
