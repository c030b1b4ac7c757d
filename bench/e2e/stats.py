"""Percentiles as the reports print them."""

from __future__ import annotations

from collections.abc import Sequence


def pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def fmt_ms(values: Sequence[float], width: int = 6) -> str:
    if not values:
        return f"{'-':>{width}} / {'-':>{width}}"
    return f"{pct(values, 0.5):{width}.0f} / {pct(values, 0.95):{width}.0f}"
