"""The console: its pure logic (latency split, list summary) checked in Node, and its bundle
built from the current sources without the media SDK."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
CONSOLE = ROOT / "web" / "console"
BUNDLE = ROOT / "web" / "dist" / "console" / "console.js"


def test_latency_split_and_session_summary() -> None:
    done = subprocess.run(
        ["node", str(HERE / "console_model_check.mjs")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "7/7 console model checks passed" in done.stdout


def test_the_console_bundle_is_built_from_the_current_sources() -> None:
    assert BUNDLE.is_file(), "web/dist/console is missing: run `make web`"
    built = BUNDLE.stat().st_mtime
    stale = [str(p.relative_to(ROOT)) for p in CONSOLE.rglob("*") if p.stat().st_mtime > built]
    assert stale == [], f"web/dist/console is older than {stale}: run `make web`"
    bundle = BUNDLE.read_text()
    assert "livekit" not in bundle.lower()  # the console needs no media SDK
