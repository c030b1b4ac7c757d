"""Every resource declaration under bicep/ matches the Azure type definition of the API
version it names (what `bicep build` would catch: unknown properties, bad enum values,
missing required and set read-only fields). No Bicep CLI runs on these machines, so the
shared checker `shared/tools/bicep-types/check.py` stands in for it."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from tests.infra.helpers import ROOT, run_in_repo

CHECKER = Path("shared") / "tools" / "bicep-types" / "check.py"
SUMMARY = re.compile(r"^(\d+) resources checked, (\d+) errors, (\d+) warnings$", re.MULTILINE)


def _checker() -> Path:
    """The checker in a `shared/` folder beside the clone (CI) or beside any parent
    folder (a git worktree nested one level deeper); missing fails, never skips."""
    for folder in ROOT.parents:
        candidate = folder / CHECKER
        if candidate.is_file():
            return candidate
    pytest.fail(f"{CHECKER} not found beside {ROOT} or any parent folder", False)


def test_bicep_matches_the_azure_type_definitions() -> None:
    done = run_in_repo(sys.executable, _checker(), ROOT / "bicep")
    summary = SUMMARY.search(done.stdout)
    assert summary, f"the checker printed no summary (exit {done.returncode}): {done.stderr}"
    checked, errors, _warnings = (int(n) for n in summary.groups())
    assert checked >= 60, done.stdout  # it really walked every module
    assert (errors, done.returncode) == (0, 0), done.stdout
