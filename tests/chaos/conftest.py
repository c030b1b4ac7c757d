"""One supervised stack (`make up` on free ports) serves every fault of the module, in
the order the tests are written; a seeded random moment for each fault (``CHAOS_SEED``
replays a run: the seed is printed)."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.supervised import SupervisedStack, supervised_stack


@pytest.fixture(scope="session")
def supervised(work_dir: Path) -> Iterator[SupervisedStack]:
    with supervised_stack(work_dir) as stack:
        yield stack


@pytest.fixture
def rng() -> random.Random:
    seed = int(os.environ.get("CHAOS_SEED", str(time.time_ns() % 1_000_000)))
    print(f"CHAOS_SEED={seed}")
    return random.Random(seed)
