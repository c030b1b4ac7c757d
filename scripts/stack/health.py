"""What each process of the local stack needs before it starts, and how to tell that a
process is healthy: real checks (LiveKit's HTTP port, Redis PING, the emulators' ports,
the API's `/api/health`), each bounded by a short timeout."""

from __future__ import annotations

import socket
import urllib.request
from collections.abc import Callable, Mapping

from scripts.stack.ports import StackPorts

NEEDS: dict[str, tuple[str, ...]] = {
    "api": ("azurite", "cosmos"),
    "agent": ("livekit", "redis", "api"),
    "sip": ("livekit", "redis"),
}
"""A process starts only when every process it names here answers its health check."""

PROBE_TIMEOUT_S = 1.0


def port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=PROBE_TIMEOUT_S):
            return True
    except OSError:
        return False


def redis_pongs(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=PROBE_TIMEOUT_S) as conn:
            conn.sendall(b"*1\r\n$4\r\nPING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def http_200(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=PROBE_TIMEOUT_S) as resp:
            return bool(resp.status == 200)
    except OSError:  # refused, timed out, or an HTTP error status
        return False


def checks(ports: StackPorts) -> dict[str, Callable[[], bool]]:
    """One health check per process that has one."""
    return {
        "agent": lambda: http_200(f"http://127.0.0.1:{ports['HEALTH_PORT']}/"),
        "livekit": lambda: http_200(f"http://127.0.0.1:{ports['PARLEY_LIVEKIT_PORT']}/"),
        "redis": lambda: redis_pongs(ports["PARLEY_REDIS_PORT"]),
        "azurite": lambda: port_answers(ports["PARLEY_AZURITE_PORT"]),
        "cosmos": lambda: port_answers(ports["PARLEY_COSMOS_PORT"]),
        "api": lambda: http_200(f"{ports.api_url}/api/health"),
    }


def unhealthy(names: tuple[str, ...], env: Mapping[str, str]) -> list[str]:
    """Those of ``names`` whose health check fails right now (unchecked ones pass)."""
    probes = checks(StackPorts.from_env(env))
    return [name for name in names if name in probes and not probes[name]()]
