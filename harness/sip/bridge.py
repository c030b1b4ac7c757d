"""A real livekit-sip bridge on loopback: free SIP and RTP ports, Redis shared with LiveKit."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path

from harness.livekit import DEV_LIVEKIT_KEY, DEV_LIVEKIT_SECRET, LiveKitServer
from harness.ports import free_port
from harness.processes import ROOT, ManagedProcess, http_ok

LIVEKIT_SIP_BIN = ROOT / ".tools" / "bin" / "livekit-sip"
RTP_PORTS = 40  # two a call; enough for the tests' concurrent calls


@dataclass
class SipBridge:
    process: ManagedProcess
    sip_port: int

    def uri(self, number: str) -> str:
        """The SIP URI a softphone dials to ring ``number`` through this bridge."""
        return f"sip:{number}@127.0.0.1:{self.sip_port}"

    def refused(self, caller: str) -> bool:
        """Whether the bridge has refused (rejected or dropped) a call from ``caller``."""
        tag = f'"fromUser": "{caller}"'
        return any(
            tag in line and ("Rejecting inbound" in line or "Dropping inbound" in line)
            for line in self.process.log_text().splitlines()
        )

    def stop(self) -> None:
        self.process.stop()


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bindable(ports: list[int], kind: socket.SocketKind) -> bool:
    """Whether every one of ``ports`` can be bound on loopback right now (then released)."""
    held: list[socket.socket] = []
    try:
        for port in ports:
            sock = socket.socket(socket.AF_INET, kind)
            held.append(sock)
            sock.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        for sock in held:
            sock.close()


def free_udp_range(size: int, attempts: int = 50) -> int:
    """The first port of ``size`` consecutive UDP ports nothing is bound to right now."""
    for _ in range(attempts):
        start = free_udp_port()
        if start + size <= 65535 and bindable(list(range(start, start + size)), socket.SOCK_DGRAM):
            return start
    raise RuntimeError(f"no {size} consecutive free UDP ports found")


def bridge_config(
    livekit: LiveKitServer, redis_address: str, sip_port: int, rtp_start: int, health: int
) -> str:
    return (
        f"api_key: {DEV_LIVEKIT_KEY}\n"
        f"api_secret: {DEV_LIVEKIT_SECRET}\n"
        f"ws_url: {livekit.ws_url}\n"
        f"redis:\n  address: {redis_address}\n"
        f"sip_port: {sip_port}\n"
        f"rtp_port: {rtp_start}-{rtp_start + RTP_PORTS - 1}\n"
        f"health_port: {health}\n"
        # local-IP detection skips loopback: announce 127.0.0.1 in SDP and Contact
        "nat_1_to_1_ip: 127.0.0.1\n"
        "use_external_ip: false\n"
        "logging:\n  level: debug\n"
    )


def start_sip_bridge(work: Path, livekit: LiveKitServer, redis_address: str) -> SipBridge:
    """livekit-sip for ``livekit`` (whose server must use ``redis_address`` too)."""
    if not LIVEKIT_SIP_BIN.exists():
        raise RuntimeError(f"{LIVEKIT_SIP_BIN} is missing: run `make livekit-sip`")
    sip_port, health = free_udp_port(), free_port()
    config = work / f"livekit-sip-{sip_port}.yaml"
    config.write_text(
        bridge_config(livekit, redis_address, sip_port, free_udp_range(RTP_PORTS), health)
    )
    proc = ManagedProcess(
        f"livekit-sip-{sip_port}", [str(LIVEKIT_SIP_BIN), "--config", str(config)], work
    ).start()
    proc.wait_ready(http_ok(f"http://127.0.0.1:{health}/"), timeout=30)
    return SipBridge(proc, sip_port)
