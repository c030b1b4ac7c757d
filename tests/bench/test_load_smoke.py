"""``make bench-load`` keeps working: a few locust users for seconds against a live API
report figures for every route, and any failed request fails the run."""

from __future__ import annotations

import re
import subprocess

from harness.api import ApiProcess
from harness.processes import VENV_BIN

ROUTES = [
    "token: new room",
    "token: rejoin room",
    "token: named room",
    "sessions: list",
    "transcript: read",
    "transcript: write",
    "webhook",
]
NUMBER = r"[\d.]+"
ROW = re.compile(
    rf"^(?P<route>[a-z:\s]+?)\s+(?P<rps>{NUMBER})\s+(?P<p50>{NUMBER})\s+(?P<p95>{NUMBER})"
    rf"\s+(?P<p99>{NUMBER})\s+(?P<requests>\d+)\s+(?P<errors>\d+)$",
    re.MULTILINE,
)


def run_bench(api: ApiProcess, agent_key: str) -> tuple[int, str, dict[str, dict[str, str]]]:
    argv = [
        str(VENV_BIN / "python"),
        "-m",
        "bench.load",
        "--base-url",
        api.base_url,
        "--api-key",
        api.api_key,
        "--agent-key",
        agent_key,
        "--users",
        "6",
        "--spawn-rate",
        "6",
        "--seconds",
        "8",
        "--turns",
        "0",
    ]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=180)
    out = done.stdout + done.stderr
    rows = {m["route"].strip(): m.groupdict() for m in ROW.finditer(out)}
    return done.returncode, out, rows


def test_every_route_reports_its_figures_and_no_errors(live_api: ApiProcess) -> None:
    code, out, rows = run_bench(live_api, live_api.agent_key)
    assert code == 0, out
    assert set(ROUTES) <= set(rows), out
    assert all(int(row["requests"]) > 0 for row in rows.values()), out
    assert all(row["errors"] == "0" for row in rows.values()), out
    assert float(rows["all routes"]["rps"]) > 0, out
    assert "token p99" in out


def test_failed_requests_fail_the_run(live_api: ApiProcess) -> None:
    code, out, rows = run_bench(live_api, "not-the-agent-key")
    assert code != 0, out
    assert int(rows["transcript: write"]["errors"]) > 0, out
    assert rows["token: new room"]["errors"] == "0", out
    assert "FAILED" in out
