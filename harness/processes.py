"""Child processes that are started, waited on until they answer, and stopped cleanly."""

from __future__ import annotations

import json
import os
import signal
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from harness.waiting import wait_until

ROOT = Path(__file__).resolve().parents[1]
NODE_BIN = ROOT / "node_modules" / ".bin"
VENV_BIN = ROOT / ".venv" / "bin"


def http_ok(url: str) -> Callable[[], bool]:
    """A check that ``url`` answers below 500; TLS is not verified (the Cosmos emulator
    serves an expired self-signed certificate)."""
    insecure = ssl.create_default_context()
    insecure.check_hostname = False
    insecure.verify_mode = ssl.CERT_NONE

    def check() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=1, context=insecure) as resp:
                return bool(resp.status < 500)
        except urllib.error.HTTPError as exc:
            return exc.code < 500
        except OSError:
            return False

    return check


def run_probe(code: str, *args: str, timeout: float = 120) -> dict[str, Any]:
    """Run ``code`` in a fresh interpreter, from the repository's root; what it printed
    last, as JSON. For what must not share the test's process: process-wide set-up, or a
    failure that ends the process."""
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    probe: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return probe


class ManagedProcess:
    """A child process in its own process group, logged to a file."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        log_dir: Path,
        env: dict[str, str] | None = None,
        cwd: Path = ROOT,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = {**os.environ, **(env or {})}
        self.cwd = cwd
        self.log_path = log_dir / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> ManagedProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            self.argv,
            cwd=self.cwd,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        return self

    def wait_ready(self, check: Callable[[], bool], timeout: float = 60.0) -> ManagedProcess:
        def alive_and_ready() -> bool:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited early; log:\n{self.tail()}")
            return check()

        try:
            wait_until(alive_and_ready, timeout, self.name)
        except TimeoutError as exc:
            raise TimeoutError(f"{exc}; log:\n{self.tail()}") from None
        return self

    @property
    def pid(self) -> int | None:
        """The group leader's pid while it runs, else None."""
        if self.proc is None or self.proc.poll() is not None:
            return None
        return self.proc.pid

    def log_text(self) -> str:
        """Everything logged so far ("" before the log exists)."""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def tail(self, lines: int = 40) -> str:
        text = self.log_text()
        return "\n".join(text.splitlines()[-lines:]) if text else "(no log)"

    def stop(self, timeout: float = 10.0, sig: int = signal.SIGTERM) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, sig)
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)
        except ProcessLookupError:
            pass

    def kill(self) -> None:
        """SIGKILL the whole group at once (a crash, not a shutdown)."""
        self.stop(timeout=5, sig=signal.SIGKILL)
