"""The supervised local stack (`make up`, ``scripts.devstack``) on free ports, for tests
that break its processes: each one's pid, a SIGKILL or a SIGSTOP/SIGCONT of it, and
waits on supervisord restarting it and on its health check."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from harness.ports import free_port
from harness.processes import ROOT, ManagedProcess
from harness.waiting import wait_until
from scripts.stack.health import checks
from scripts.stack.ports import DEFAULTS, StackPorts

DEV_API_KEY = "dev-api-key"  # dev.env's local integrator key
START_TIMEOUT_S = 180.0
SERVER_ERROR = re.compile(r'HTTP/1\.1" 5(?!03)\d\d')
"""An API answer in uvicorn's access log that is a server error other than 503."""


@dataclass
class SupervisedStack:
    devstack: ManagedProcess
    env: dict[str, str]
    run_dir: Path

    @property
    def ports(self) -> StackPorts:
        return StackPorts.from_env(self.env)

    @property
    def api_url(self) -> str:
        return self.ports.api_url

    api_key: str = DEV_API_KEY

    def log(self, name: str) -> str:
        """Everything process ``name`` logged since the stack started."""
        try:
            return (self.run_dir / "logs" / f"{name}.log").read_text(errors="replace")
        except OSError:
            return ""

    def tail(self, name: str, lines: int = 60) -> str:
        return "\n".join(self.log(name).splitlines()[-lines:])

    def pid(self, name: str) -> int | None:
        """The running pid of ``name`` (supervisorctl's answer), None while it is down."""
        out = subprocess.run(
            [sys.executable, "-m", "scripts.devstack", "ctl", "pid", name],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=20,
        ).stdout.strip()
        return int(out) if out.isdigit() and int(out) > 0 else None

    def healthy(self, name: str) -> bool:
        return checks(self.ports)[name]()

    def signal(self, name: str, sig: int) -> int:
        """Send ``sig`` to ``name``'s process group (the process and its own children)."""
        pid = self.pid(name)
        assert pid is not None, f"{name} is not running\n{self.tail('supervisord')}"
        os.killpg(pid, sig)
        return pid

    def kill(self, name: str) -> int:
        return self.signal(name, signal.SIGKILL)

    def wait_restarted(self, name: str, old_pid: int, timeout: float) -> None:
        """Until supervisord runs ``name`` again (a new pid) and it answers its health check."""
        wait_until(
            lambda: self.pid(name) not in (None, old_pid) and self.healthy(name),
            timeout,
            f"{name} restarted\n{self.tail('supervisord')}\n{self.tail(name)}",
            interval=0.5,
        )

    def server_errors(self) -> list[str]:
        """Every API answer above that was a 5xx other than 503."""
        return [line for line in self.log("api").splitlines() if SERVER_ERROR.search(line)]

    def stop(self) -> None:
        self.devstack.stop(timeout=120, sig=signal.SIGINT)


@contextlib.contextmanager
def supervised_stack(work: Path) -> Iterator[SupervisedStack]:
    """`python -m scripts.devstack up` on free ports, with `dev.env` only (a developer's
    `.env` is ignored), once every process is healthy and the agent registered; stopped
    as Ctrl-C stops it on exit."""
    ports = {name: str(free_port()) for name in DEFAULTS}
    run_dir = work / f"stack-{ports['PARLEY_API_PORT']}"
    env = {
        **os.environ,
        **ports,
        "PARLEY_LIVEKIT_UDP_PORT": str(free_port()),
        "PARLEY_RUN_DIR": str(run_dir),
        "PARLEY_DOTENV": str(work / "no-overrides.env"),
    }
    devstack = ManagedProcess(
        f"devstack-{ports['PARLEY_API_PORT']}",
        [sys.executable, "-m", "scripts.devstack", "up"],
        work,
        env=env,
    ).start()
    stack = SupervisedStack(devstack, env, run_dir)
    try:
        devstack.wait_ready(
            lambda: (
                "[stack] ready" in devstack.log_text() and "registered worker" in stack.log("agent")
            ),
            timeout=START_TIMEOUT_S,
        )
        yield stack
    finally:
        stack.stop()
