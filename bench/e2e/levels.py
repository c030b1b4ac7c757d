"""Part 2's measured levels (N concurrent calls) and the limit that says where latency
degrades."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from bench.agent_fakes import Latencies
from bench.e2e.records import Timing, TurnRecord
from bench.e2e.sampling import Window
from bench.e2e.stats import pct

DEGRADATION = 1.10


@dataclass
class Level:
    calls: int
    records: list[TurnRecord]
    window: Window
    idle_pss: float
    lag_ms: list[float]
    timing: Timing
    lat: Latencies

    def _held_extra(self, r: TurnRecord) -> float:
        """A held turn's extra wait in ms (the critical path with ``max_delay`` minus the
        one with ``min_delay``); 0 for other turns."""
        if not self.timing.held(r.agent):
            return 0.0
        return (self.timing.path(self.lat, True) - self.timing.path(self.lat, False)) * 1000

    def adjusted_ms(self, r: TurnRecord) -> float | None:
        """Voice-to-voice without a held turn's extra wait."""
        return None if r.v2v_ms is None else r.v2v_ms - self._held_extra(r)

    @property
    def ok(self) -> list[TurnRecord]:
        return [r for r in self.records if r.ok]

    @property
    def failures(self) -> int:
        return len(self.records) - len(self.ok)

    @property
    def held(self) -> int:
        return sum(1 for r in self.ok if self.timing.held(r.agent))

    @property
    def v2v_raw(self) -> list[float]:
        return [r.v2v_ms for r in self.ok if r.v2v_ms is not None]

    @property
    def v2v(self) -> list[float]:
        return [v for r in self.ok if (v := self.adjusted_ms(r)) is not None]

    @property
    def agent_e2e(self) -> list[float]:
        """The agent's own end of speech -> first audio out, held turns adjusted."""
        return [
            r.agent["e2e_latency"] * 1000 - self._held_extra(r)
            for r in self.ok
            if "e2e_latency" in r.agent
        ]

    def overhead_caller(self) -> list[float]:
        path = self.timing.path(self.lat, False) * 1000
        return [v - path for r in self.ok if r.agent and (v := self.adjusted_ms(r)) is not None]

    def overhead_agent(self) -> list[float]:
        path = self.timing.path(self.lat, False) * 1000
        return [v - path for v in self.agent_e2e]


@dataclass
class Limit:
    """Where one latency measure first degrades past ``DEGRADATION`` x its 1-call p95."""

    name: str
    measure: Callable[[Level], list[float]]
    baseline: float | None = None
    holds: int = 0
    tripped_at: int | None = None

    def judge(self, level: Level) -> str | None:
        """Records the level; returns why it is over the limit, or None."""
        values = self.measure(level)
        p95 = pct(values, 0.95) if values else math.inf
        if self.baseline is None:
            self.baseline = p95
        if level.failures:
            why = f"{level.failures} failed turns"
        elif p95 > self.baseline * DEGRADATION:
            why = f"{self.name} p95 {p95:.0f} ms > {DEGRADATION:.2f} x {self.baseline:.0f} ms"
        else:
            if self.tripped_at is None:
                self.holds = level.calls
            return None
        if self.tripped_at is None:
            self.tripped_at = level.calls
        return why
