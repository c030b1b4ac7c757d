"""Node scripts that drive a browser (``*.mjs`` next to the tests): JSON config in, JSON
report out."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from harness.processes import ROOT


def run_driver(script: Path, config: dict[str, Any], timeout: float, what: str) -> dict[str, Any]:
    """Run ``node script '<config as JSON>'`` from the repository root; its stdout is the
    report. A non-zero exit fails (AssertionError) with both output streams."""
    result = subprocess.run(
        ["node", str(script), json.dumps(config)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise AssertionError(f"{what} failed:\n{result.stdout}\n{result.stderr}")
    report: dict[str, Any] = json.loads(result.stdout)
    return report
