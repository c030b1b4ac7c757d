"""Locust's per-route statistics (its ``<prefix>_stats.csv``) read back and printed."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

TOTAL = "Aggregated"


@dataclass(frozen=True)
class RouteFigures:
    """One route's figures over the whole run (latencies in ms, as locust rounds them)."""

    name: str
    requests: int
    errors: int
    per_second: float
    p50: float
    p95: float
    p99: float


def read_stats(path: Path) -> list[RouteFigures]:
    """Every route in locust's stats file, the aggregate row last."""
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise ValueError(f"{path} holds no statistics: did locust run?")
    return [
        RouteFigures(
            name=row["Name"],
            requests=int(row["Request Count"]),
            errors=int(row["Failure Count"]),
            per_second=float(row["Requests/s"]),
            p50=_ms(row["50%"]),
            p95=_ms(row["95%"]),
            p99=_ms(row["99%"]),
        )
        for row in rows
    ]


def _ms(value: str) -> float:
    return float(value) if value not in ("", "N/A") else float("nan")


def format_table(routes: list[RouteFigures]) -> str:
    lines = [
        f"{'route':<22} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'requests':>9} {'errors':>7}"
    ]
    for r in routes:
        label = "all routes" if r.name == TOTAL else r.name
        lines.append(
            f"{label:<22} {r.per_second:>8.1f} {r.p50:>8.0f} {r.p95:>8.0f} {r.p99:>8.0f} "
            f"{r.requests:>9} {r.errors:>7}"
        )
    return "\n".join(lines)


def failures(path: Path) -> list[str]:
    """Locust's distinct failures (route, error, count), for the report."""
    if not path.exists():
        return []
    with path.open(newline="") as f:
        return [
            f"{row['Name']}: {row['Error']} (x{row['Occurrences']})" for row in csv.DictReader(f)
        ]
