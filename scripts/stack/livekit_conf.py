"""The LiveKit server's configuration for the stack's ports: ``scripts/livekit-dev.yaml``
with its ports (and the webhook's API port) set from the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from scripts.stack.ports import StackPorts


def livekit_conf(template: Path, ports: StackPorts, udp_port: int | None) -> str:
    """``udp_port`` multiplexes every call on one UDP port instead of the template's range
    (what tests use, so that stacks running side by side never share a port)."""
    conf: dict[str, Any] = yaml.safe_load(template.read_text(encoding="utf-8"))
    conf["port"] = ports["PARLEY_LIVEKIT_PORT"]
    rtc = conf.setdefault("rtc", {})
    rtc["tcp_port"] = ports["PARLEY_LIVEKIT_TCP_PORT"]
    if udp_port is not None:
        rtc.pop("port_range_start", None)
        rtc.pop("port_range_end", None)
        rtc["udp_port"] = udp_port
    conf.setdefault("webhook", {})["urls"] = [f"{ports.api_url}/api/livekit/webhook"]
    if isinstance(conf.get("redis"), dict):
        conf["redis"]["address"] = f"127.0.0.1:{ports['PARLEY_REDIS_PORT']}"
    return str(yaml.safe_dump(conf, sort_keys=False))
