"""The local stack's ports and the settings derived from them.

Every port can be overridden by an environment variable (tests run whole stacks on free
ports next to a developer's `make up`); the URLs every process reads follow from them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from harness.emulators import azurite_connection_string

DEFAULTS = {
    "PARLEY_API_PORT": 7071,
    "PARLEY_LIVEKIT_PORT": 7880,
    "PARLEY_LIVEKIT_TCP_PORT": 7881,
    "PARLEY_REDIS_PORT": 6379,
    "PARLEY_AZURITE_PORT": 10000,
    "PARLEY_COSMOS_PORT": 8091,
    "HEALTH_PORT": 8081,
}
"""Each port's variable and its `make up` default (``HEALTH_PORT`` is the agent's own)."""


@dataclass(frozen=True)
class StackPorts:
    values: dict[str, int]

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> StackPorts:
        values: dict[str, int] = {}
        for name, default in DEFAULTS.items():
            raw = env.get(name, str(default))
            if not raw.isdigit() or not 0 < int(raw) < 65536:
                raise ValueError(f"{name}={raw!r} is not a TCP port")
            values[name] = int(raw)
        return cls(values)

    def __getitem__(self, name: str) -> int:
        return self.values[name]

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self['PARLEY_API_PORT']}"

    def environment(self) -> dict[str, str]:
        """The ports, and every URL a process of the stack reads, pointing at them."""
        return {
            **{name: str(port) for name, port in self.values.items()},
            "PARLEY_API_URL": self.api_url,
            "LIVEKIT_URL": f"ws://127.0.0.1:{self['PARLEY_LIVEKIT_PORT']}",
            "COSMOS_ENDPOINT": f"https://127.0.0.1:{self['PARLEY_COSMOS_PORT']}",
            "REDIS_URL": f"redis://127.0.0.1:{self['PARLEY_REDIS_PORT']}/0",
            "STORAGE_CONNECTION_STRING": azurite_connection_string(self["PARLEY_AZURITE_PORT"]),
        }


def read_env_file(path: str) -> dict[str, str]:
    """``KEY=VALUE`` lines of a dotenv file; blank lines and ``#`` comments skipped."""
    values: dict[str, str] = {}
    if not os.path.exists(path):
        return values
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            line = line.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip().strip("'\"")
    return values
