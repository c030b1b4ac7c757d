"""Session fixtures: the Bicep files parsed once, checkov run once, azure.yaml loaded once."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.infra.helpers import (
    BICEP_DIR,
    CHECKOV,
    ROOT,
    SCHEMA,
    Tree,
    parse_bicep,
    require_tool,
    run_in_repo,
    run_infra_python,
)


@pytest.fixture(scope="session")
def bicep() -> dict[str, Tree]:
    """Every Bicep file under bicep/, parsed, keyed by repo-relative path."""
    files = sorted(BICEP_DIR.rglob("*.bicep"))
    assert files, "no Bicep files under bicep/"
    trees, errors = parse_bicep(files)
    assert not errors, f"Bicep syntax errors: {errors}"
    return trees


@pytest.fixture(scope="session")
def main_bicep(bicep: dict[str, Tree]) -> Tree:
    return bicep["bicep/main.bicep"]


@pytest.fixture(scope="session")
def module(bicep: dict[str, Tree]) -> Any:
    def get(name: str) -> Tree:
        return bicep[f"bicep/modules/{name}.bicep"]

    return get


@pytest.fixture(scope="session")
def checkov_report() -> dict[str, Any]:
    """checkov's Bicep framework over bicep/, as its JSON report."""
    checkov = require_tool(CHECKOV)
    done = run_in_repo(
        checkov, "-d", "bicep", "--framework", "bicep", "-o", "json", "--compact", timeout=600
    )
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        pytest.fail(
            f"checkov printed no JSON report (exit {done.returncode}): {done.stderr[-2000:]}"
        )
    if isinstance(report, list):  # one report per framework
        (report,) = [r for r in report if r.get("check_type") == "bicep"]
    assert isinstance(report, dict)
    return report


@pytest.fixture(scope="session")
def azure_yaml() -> dict[str, Any]:
    """azure.yaml loaded (and schema errors, when the azd schema is present)."""
    args = [str(ROOT / "azure.yaml")]
    if SCHEMA.exists():
        args.append(str(SCHEMA))
    done = run_infra_python("validate_schema.py", *args)
    try:
        out: dict[str, Any] = json.loads(done.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"validate_schema.py failed: {done.stderr[-2000:]}")
    return out
