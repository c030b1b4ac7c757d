"""A real LiveKit server: loopback only, free ports, webhooks to a given URL."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from livekit import api

from harness.ports import free_port
from harness.processes import ROOT, ManagedProcess, http_ok

LIVEKIT_BIN = ROOT / ".tools" / "bin" / "livekit-server"
# The local stack's development key pair (dev.env uses the same; not a secret).
DEV_LIVEKIT_KEY = "devkey"
DEV_LIVEKIT_SECRET = "parley-local-development-secret-0123456789"


def join_token(room: str, identity: str) -> str:
    """A token (dev keys) that lets ``identity`` join ``room`` and nothing more."""
    grants = api.VideoGrants(room_join=True, room=room)
    return (
        api.AccessToken(DEV_LIVEKIT_KEY, DEV_LIVEKIT_SECRET)
        .with_identity(identity)
        .with_grants(grants)
        .to_jwt()
    )


@dataclass
class LiveKitServer:
    process: ManagedProcess
    port: int

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.process.stop()


def livekit_config(
    port: int,
    tcp_port: int,
    udp_port: int,
    webhook_url: str | None,
    redis_address: str | None = None,
) -> str:
    # with Redis the server also serves the SIP APIs (livekit-sip talks to it through Redis)
    redis = f"redis:\n  address: {redis_address}\n" if redis_address else ""
    webhook = (
        f"webhook:\n  api_key: {DEV_LIVEKIT_KEY}\n  urls:\n    - {webhook_url}\n"
        if webhook_url
        else ""
    )
    return (
        f"port: {port}\n"
        "bind_addresses:\n  - 127.0.0.1\n"
        "rtc:\n"
        f"  tcp_port: {tcp_port}\n"
        f"  udp_port: {udp_port}\n"
        "  use_external_ip: false\n"
        "  node_ip: 127.0.0.1\n"
        f"keys:\n  {DEV_LIVEKIT_KEY}: {DEV_LIVEKIT_SECRET}\n"
        "room:\n  empty_timeout: 10\n  departure_timeout: 2\n"
        # The server offers jobs only to workers below this CPU load (default 0.7); the
        # agents' LOAD_THRESHOLD=2 is not enough on a busy 2-core test machine.
        "agents:\n  target_load: 2.0\n"
        "logging:\n  level: info\n"
        f"{webhook}"
        f"{redis}"
    )


def start_livekit(
    work: Path, webhook_url: str | None = None, redis_address: str | None = None
) -> LiveKitServer:
    if not LIVEKIT_BIN.exists():
        raise RuntimeError(f"{LIVEKIT_BIN} is missing: run `make livekit-server`")
    port, tcp_port, udp_port = free_port(), free_port(), free_port()
    config = work / f"livekit-{port}.yaml"
    config.write_text(livekit_config(port, tcp_port, udp_port, webhook_url, redis_address))
    proc = ManagedProcess(
        f"livekit-{port}", [str(LIVEKIT_BIN), "--config", str(config)], work
    ).start()
    proc.wait_ready(http_ok(f"http://127.0.0.1:{port}/"), timeout=30)
    return LiveKitServer(proc, port)
