"""Locust as a child process: headless, from ``.venv-load``, stopped with SIGTERM (which
makes it write its final statistics) or by its own ``--run-time`` bound."""

from __future__ import annotations

import os
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LOCUST = REPO / ".venv-load" / "bin" / "locust"
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
STOP_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Credentials:
    """What the simulated users present: integrator and agent keys, LiveKit's webhook key."""

    api_key: str
    agent_key: str
    livekit_key: str
    livekit_secret: str


class LocustRun:
    """One headless locust run against ``base_url``; its figures land in ``<work>/locust_*``."""

    def __init__(
        self, work: Path, base_url: str, creds: Credentials, users: int, spawn_rate: float
    ) -> None:
        if not LOCUST.exists():
            raise FileNotFoundError(f"{LOCUST} is missing: run `make load-deps` first")
        self.prefix = work / "locust"
        self.log_path = work / "locust.log"
        self._argv = [
            str(LOCUST),
            "--headless",
            "--only-summary",
            "-f",
            str(LOCUSTFILE),
            "--host",
            base_url,
            "--users",
            str(users),
            "--spawn-rate",
            str(spawn_rate),
            "--csv",
            str(self.prefix),
            "--loglevel",
            "WARNING",
            "--exit-code-on-error",
            "1",
            "--stop-timeout",
            "10",
        ]
        self._env = {
            **os.environ,
            "LOAD_API_KEY": creds.api_key,
            "LOAD_AGENT_KEY": creds.agent_key,
            "LOAD_LIVEKIT_KEY": creds.livekit_key,
            "LOAD_LIVEKIT_SECRET": creds.livekit_secret,
        }
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def stats_csv(self) -> Path:
        return Path(f"{self.prefix}_stats.csv")

    @property
    def failures_csv(self) -> Path:
        return Path(f"{self.prefix}_failures.csv")

    def start(self, max_seconds: float) -> None:
        """Start; locust stops itself after ``max_seconds`` if ``stop()`` never comes."""
        with self.log_path.open("wb") as log:
            self._proc = subprocess.Popen(
                [*self._argv, "--run-time", f"{max(1, int(max_seconds))}s"],
                env=self._env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def stop(self) -> int:
        """SIGTERM (locust writes its statistics and exits); its exit code (1: errors)."""
        if self._proc is None:
            raise RuntimeError("locust was never started")
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
        try:
            return self._proc.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(self._proc.pid, signal.SIGKILL)
            self._proc.wait(STOP_TIMEOUT_S)
            raise RuntimeError(f"locust did not stop; see {self.log_path}") from None

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
