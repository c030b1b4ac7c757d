"""What the capacity benchmark takes from the shared test stack (one place to change)."""

from __future__ import annotations

from scripts.caller import synthesize
from tests.support.agent import start_agent
from tests.support.livekit import LiveKitServer, start_livekit
from tests.support.processes import ManagedProcess, free_port
from tests.support.stack import (
    ApiProcess,
    api_environment,
    start_azurite,
    start_cosmos,
    start_redis,
)

__all__ = [
    "ApiProcess",
    "LiveKitServer",
    "ManagedProcess",
    "api_environment",
    "free_port",
    "start_agent",
    "start_azurite",
    "start_cosmos",
    "start_livekit",
    "start_redis",
    "synthesize",
]
