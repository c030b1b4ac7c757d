"""The real stack for end-to-end tests: emulators, the API and a LiveKit server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.emulators import Emulators
from harness.stack import Stack, full_stack


@pytest.fixture(scope="session")
def stack(emulators: Emulators, work_dir: Path) -> Iterator[Stack]:
    with full_stack(work_dir, emulators) as running:
        yield running
