"""The real stack for end-to-end tests: emulators, the API and a LiveKit server."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import Emulators
from tests.support.livekit import LiveKitServer, start_livekit
from tests.support.processes import free_port
from tests.support.stack import DEV_LIVEKIT_KEY, DEV_LIVEKIT_SECRET, ApiProcess


@dataclass
class Stack:
    api: ApiProcess
    livekit: LiveKitServer
    livekit_key: str = DEV_LIVEKIT_KEY
    livekit_secret: str = DEV_LIVEKIT_SECRET


@pytest.fixture(scope="session")
def stack(emulators: Emulators, work_dir: Path) -> Iterator[Stack]:
    api_port = free_port()
    livekit = start_livekit(
        work_dir, webhook_url=f"http://127.0.0.1:{api_port}/api/livekit/webhook"
    )
    api = ApiProcess(
        work_dir,
        emulators.api_env(LIVEKIT_URL=livekit.ws_url),
        port=api_port,
    )
    try:
        api.start()
        yield Stack(api=api, livekit=livekit)
    finally:
        api.stop()
        livekit.process.stop()
