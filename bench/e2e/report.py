"""Part 2's table: one row per level."""

from __future__ import annotations

from bench.e2e.levels import Level
from bench.e2e.stats import pct

HEADER = (
    " calls turns fail held jobs | v2v p50  p95 (raw p95) | agent e2e p95 | over p95 caller"
    " agent | CPU wrk  /call  lk  call  api other | RSS tree /call | PSS +/call | lag p95"
)


def level_row(level: Level, idle_worker_cores: float) -> str:
    w, n = level.window, level.calls

    def p(values: list[float], q: float = 0.95) -> float:
        return pct(values, q) if values else float("nan")

    worker = w.cores("worker")
    return (
        f" {n:5d} {len(level.records):5d} {level.failures:4d} {level.held:4d} {w.peak_jobs:4d}"
        f" | {p(level.v2v, 0.5):7.0f} {p(level.v2v):4.0f} ({p(level.v2v_raw):5.0f})"
        f" | {p(level.agent_e2e):13.0f} | {p(level.overhead_caller()):15.0f}"
        f" {p(level.overhead_agent()):5.0f} | {worker:7.2f} {(worker - idle_worker_cores) / n:6.3f}"
        f" {w.cores('livekit'):4.2f} {w.cores('callers'):5.2f} {w.cores('api'):4.2f}"
        f" {w.other_cores():5.2f}"
        f" | {w.peak_rss:8.0f} {w.peak_rss / n:5.0f} | {(w.peak_pss - level.idle_pss) / n:10.0f}"
        f" | {p(level.lag_ms):7.1f}"
    )
