"""Tokens per second with the room claim on the store, against the same process signing
alone (claims taken out), both against the local emulators.

    .venv/bin/python -m bench.token_path [--clients 200] [--seconds 15] [--rooms 50]

Three runs a mode: ``fresh`` (the server names the room: the web client's case; the
name signs its tenant, so it takes no claim and both modes should match), ``named``
(integrators reuse ``--rooms`` room names, so most claims are already held; LiveKit is
unreachable here, so each also pays a refused room lookup).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

import aiohttp

from bench.api_bench import Request, post, run, token_request
from harness.api import INTEGRATOR_KEY, api_environment
from harness.emulators import running_emulators
from harness.ports import free_port
from harness.processes import VENV_BIN, ManagedProcess, http_ok


def named_token_request(base: str, key: str, rooms: int) -> Request:
    async def call(session: aiohttp.ClientSession, i: int) -> int:
        body = {"participantName": f"bench-{i}", "roomName": f"bench-room-{i % rooms}"}
        return await post(session, f"{base}/api/token", json=body, headers={"x-api-key": key})

    return call


def start_api(work: Path, env: dict[str, str], signing_only: bool) -> tuple[ManagedProcess, str]:
    port = free_port()
    proc = ManagedProcess(
        f"token-api-{port}",
        [
            str(VENV_BIN / "uvicorn"),
            "bench.token_api:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "error",
        ],
        work,
        env={
            **env,
            "PARLEY_API_KEYS": INTEGRATOR_KEY,
            "TOKEN_RATE_LIMIT_PER_MINUTE": "1000000",
            "BENCH_TOKEN_SIGNING_ONLY": "1" if signing_only else "0",
        },
    ).start()
    base = f"http://127.0.0.1:{port}"
    proc.wait_ready(http_ok(f"{base}/api/openapi.json"), timeout=60)
    return proc, base


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--rooms", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, running_emulators(Path(tmp)) as emulators:
        env = api_environment(emulators)
        for signing_only in (False, True):
            proc, base = start_api(Path(tmp), env, signing_only)
            label = "signing" if signing_only else "store"
            try:
                # warm: the first token builds the services (clients, containers)
                await run(f"warm-{label}", token_request(base, INTEGRATOR_KEY), 1, 1.0)
                await run(
                    f"fresh-{label}",
                    token_request(base, INTEGRATOR_KEY),
                    args.clients,
                    args.seconds,
                )
                await run(
                    f"named-{label}",
                    named_token_request(base, INTEGRATOR_KEY, args.rooms),
                    args.clients,
                    args.seconds,
                )
            finally:
                proc.stop()


if __name__ == "__main__":
    asyncio.run(main())
