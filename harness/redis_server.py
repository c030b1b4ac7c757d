"""A throwaway redis-server (the Debian package) on a free loopback port, no persistence."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from harness.ports import free_port, port_open
from harness.processes import ManagedProcess


@dataclass
class RedisServer:
    process: ManagedProcess
    port: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        self.process.stop()


def start_redis(work: Path, port: int | None = None) -> RedisServer:
    port = port or free_port()
    exe = shutil.which("redis-server")
    if exe is None:
        raise RuntimeError("redis-server is not installed (make system-deps installs it)")
    proc = ManagedProcess(
        f"redis-{port}",
        [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        work,
    ).start()
    proc.wait_ready(lambda: port_open(port), timeout=30)
    return RedisServer(proc, port)
