"""The capacity bench's verdict: which levels hold, and the two figures it ends with."""

from __future__ import annotations

import math

from bench.capacity.callers import CallOutcome, Turn
from bench.capacity.levels import Level, Window
from bench.capacity.sweep import (
    calls_per_core,
    level_counts,
    memory_per_call,
    stop_reason,
    turns_per_call,
)


def level(calls: int, v2v_ms: list[float], *, planned: int = 0, peak_pss: float = 0.0) -> Level:
    """A level whose calls were answered after ``v2v_ms`` (one turn each, on one call)."""
    turns = [Turn("hi", 1.0, 1.0 + ms / 1000) for ms in v2v_ms]
    return Level(
        calls=calls,
        outcomes=[CallOutcome(room="a", turns=turns)],
        planned=planned or len(v2v_ms),
        window=Window(worker_pid=0, peak_pss=peak_pss),
        idle_pss=100.0,
        worker_cores={0},
        fixed_loop_ms=100.0,
        gc_pauses=[],
    )


def test_a_level_within_ten_percent_of_the_baseline_holds() -> None:
    assert stop_reason(level(4, [700.0, 760.0]), 700.0, stack_use=0.5, stack_limit=0.9) is None


def test_a_level_beyond_ten_percent_stops_with_its_p95() -> None:
    why = stop_reason(level(4, [700.0, 800.0]), 700.0, stack_use=0.5, stack_limit=0.9)
    assert why == "p95 800 ms > 1.10 x 700 ms"


def test_a_saturated_stack_core_makes_the_level_invalid() -> None:
    why = stop_reason(level(4, [700.0]), 700.0, stack_use=0.95, stack_limit=0.9)
    assert why == "stack core 95% busy: level invalid, the callers' side saturated"


def test_failed_turns_stop_before_anything_else() -> None:
    unanswered = level(1, [700.0], planned=2)
    unanswered.outcomes[0].turns.append(Turn("bye", 2.0, None))
    why = stop_reason(unanswered, 700.0, stack_use=0.95, stack_limit=0.9)
    assert why == "1 failed turns (no reply: 1)"


def test_the_figures_come_from_the_held_levels() -> None:
    held = [level(1, [700.0], peak_pss=140.0), level(4, [700.0], peak_pss=200.0)]
    assert calls_per_core(held, cores=1) == 4
    assert calls_per_core(held, cores=2) == 2
    assert memory_per_call(held) == (40.0 + 25.0) / 2
    assert calls_per_core([], cores=1) == 0
    assert math.isnan(memory_per_call([]))


def test_levels_and_turns_per_call() -> None:
    assert level_counts(None, 8) == [1, 2, 4, 6, 8]
    assert level_counts([1, 8], 40) == [1, 8]
    assert turns_per_call(40, 1) == 40
    assert turns_per_call(40, 6) == 7
    assert turns_per_call(40, 20) == 3
