"""`make api` / `make up`: the local stack under supervisord (PyPI ``supervisor``).

    python -m scripts.devstack up|api     # start; Ctrl-C stops everything
    python -m scripts.devstack ctl ARGS   # supervisorctl on the running stack

Each process of ``scripts/Procfile.<mode>`` restarts when it dies and starts only once
what it needs is healthy (``scripts/stack/``). Settings come from `dev.env`, overridden by
`.env` (``PARLEY_DOTENV`` names another file); ports from ``PARLEY_*_PORT`` variables;
state, logs and the control socket live in ``PARLEY_RUN_DIR`` (default `.run/`).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

from scripts.stack.console import LogFollower
from scripts.stack.health import checks
from scripts.stack.livekit_conf import livekit_conf
from scripts.stack.ports import StackPorts, read_env_file
from scripts.stack.procfile import read_procfile
from scripts.stack.supervisor_conf import STOP_WAIT_SECONDS, supervisor_conf

ROOT = Path(__file__).resolve().parent.parent

BANNER = """
  Parley is starting ({mode}).
    API          {api}/api/health   (docs: /api/docs)
    integrator   x-api-key: {key}{web}
  Ctrl-C stops everything. Each process restarts when it dies; one process:
    .venv/bin/python -m scripts.devstack ctl status|restart agent|tail -f agent
"""
HEALTH_EVERY_S = 1.0


def run_dir(env: dict[str, str]) -> Path:
    return Path(env.get("PARLEY_RUN_DIR", str(ROOT / ".run"))).resolve()


def stack_environment() -> dict[str, str]:
    """This process's environment, `dev.env`, the ports' URLs, then `.env` over them."""
    overrides = read_env_file(os.environ.get("PARLEY_DOTENV", str(ROOT / ".env")))
    settings = {**read_env_file(str(ROOT / "dev.env")), **overrides}
    ports = StackPorts.from_env({**settings, **os.environ})
    derived = {k: v for k, v in ports.environment().items() if k not in overrides}
    env = {**os.environ, **settings, **derived}
    env["PARLEY_RUN_DIR"] = str(run_dir(env))
    return env


def prepare(mode: str, env: dict[str, str]) -> tuple[Path, list[str]]:
    """Write supervisord's and LiveKit's configurations; fresh logs. The config's path and
    the process names."""
    runs = run_dir(env)
    procfile = ROOT / "scripts" / f"Procfile.{mode}"
    names = list(read_procfile(procfile))
    shutil.rmtree(runs / "logs", ignore_errors=True)
    (runs / "logs").mkdir(parents=True)
    (runs / "azurite").mkdir(exist_ok=True)
    ports = StackPorts.from_env(env)
    udp = env.get("PARLEY_LIVEKIT_UDP_PORT")
    (runs / "livekit.yaml").write_text(
        livekit_conf(ROOT / "scripts" / "livekit-dev.yaml", ports, int(udp) if udp else None)
    )
    conf = runs / "supervisord.conf"
    conf.write_text(supervisor_conf(ROOT, runs, procfile, names))
    return conf, names


class HealthReporter:
    """One console line when the whole stack is first healthy, and one each time a
    process stops or starts answering its health check after that."""

    def __init__(self, env: dict[str, str], names: list[str]) -> None:
        probes = checks(StackPorts.from_env(env))
        self.probes = {name: probes[name] for name in names if name in probes}
        self.healthy: dict[str, bool] = {}
        self.ready = False
        self.next_at = time.monotonic()

    def poll(self) -> None:
        if time.monotonic() < self.next_at:
            return
        self.next_at = time.monotonic() + HEALTH_EVERY_S
        now = {name: probe() for name, probe in self.probes.items()}
        if self.ready:
            for name, ok in now.items():
                if ok != self.healthy[name]:
                    state = "healthy again" if ok else "NOT answering its health check"
                    print(f"[stack] {name} is {state}", flush=True)
        elif all(now.values()):
            self.ready = True
            print(f"[stack] ready: {', '.join(now)} healthy", flush=True)
        self.healthy = now


def supervise(conf: Path, names: list[str], env: dict[str, str]) -> int:
    """Run supervisord in the foreground, show the logs; stop it all on SIGINT/SIGTERM."""
    stopping: list[int] = []

    def stop(signum: int, _frame: FrameType | None) -> None:
        stopping.append(signum)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    supervisord = subprocess.Popen(
        [sys.executable, "-m", "supervisor.supervisord", "-c", str(conf)], env=env, cwd=ROOT
    )
    follower = LogFollower(conf.parent / "logs", ["supervisord", *names])
    health = HealthReporter(env, names)
    deadline: float | None = None
    while supervisord.poll() is None:
        follower.pump()
        if stopping and deadline is None:
            print("[stack] stopping every process", flush=True)
            supervisord.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + STOP_WAIT_SECONDS * len(names) + 10
        elif deadline is None:
            health.poll()
        elif time.monotonic() > deadline:
            supervisord.kill()
        time.sleep(0.1)
    follower.pump()
    return 0 if stopping else supervisord.returncode


def main(argv: list[str]) -> int:
    mode = argv[1] if len(argv) > 1 else "up"
    env = stack_environment()
    if mode == "ctl":
        conf = run_dir(env) / "supervisord.conf"
        ctl = [sys.executable, "-m", "supervisor.supervisorctl", "-c", str(conf), *argv[2:]]
        return subprocess.call(ctl, env=env)
    if mode not in ("api", "up"):
        print("usage: python -m scripts.devstack api|up|ctl ...", file=sys.stderr)
        return 2
    conf, names = prepare(mode, env)
    key = env.get("PARLEY_API_KEYS", "dev-api-key").split(",")[0]
    api = StackPorts.from_env(env).api_url
    web = f"\n    web client   {api}/" if mode == "up" else ""
    if mode == "up":
        number = env.get("SIP_DEV_NUMBER", "+15550100")
        web += f"\n    phone        sip:{number}@127.0.0.1:{env.get('SIP_PORT', '5060')}"
    print(BANNER.format(mode=mode, api=api, key=key, web=web), flush=True)
    return supervise(conf, names, env)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
