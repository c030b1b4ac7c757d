"""azure.yaml: valid against azd's schema, and pointing at things that exist."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from tests.infra.helpers import ROOT, SCHEMA, run_infra_python


def test_valid_against_the_azd_schema(azure_yaml: dict[str, Any]) -> None:
    if not SCHEMA.exists():
        print(f"azd schema not found at {SCHEMA}: schema validation not run")
        return
    assert azure_yaml["errors"] == []
    assert azure_yaml["unresolved"] == []  # nothing of ours hides behind an unchecked remote schema


def test_the_schema_check_can_fail(tmp_path: Path) -> None:
    # A document the schema must reject proves the validation is not vacuous.
    if not SCHEMA.exists():
        print(f"azd schema not found at {SCHEMA}: schema validation not run")
        return
    bad = tmp_path / "azure.yaml"
    bad.write_text("name: parley\nservices:\n  api:\n    project: .\n    hots: function\n")
    done = run_infra_python("validate_schema.py", str(bad), str(SCHEMA))
    assert done.returncode == 1
    assert json.loads(done.stdout)["errors"]


def test_services(azure_yaml: dict[str, Any]) -> None:
    doc = azure_yaml["document"]
    assert doc["infra"]["path"] == "bicep"
    assert (ROOT / doc["infra"]["path"] / "main.bicep").exists()
    api = doc["services"]["api"]
    assert (api["host"], api["project"], api["language"]) == ("function", ".", "python")
    assert (ROOT / api["project"] / "function_app.py").exists()
    agent = doc["services"]["agent"]
    assert agent["host"] == "containerapp"
    assert agent["docker"]["remoteBuild"] is True
    dockerfile = ROOT / agent["project"] / agent["docker"]["path"]
    assert dockerfile == ROOT / "agent_app" / "Dockerfile"
    assert dockerfile.exists()


def test_web_client_is_built_before_packaging(azure_yaml: dict[str, Any]) -> None:
    hook = azure_yaml["document"]["services"]["api"]["hooks"]["prepackage"]
    assert hook["run"] == "make web"
    assert "web:" in (ROOT / "mk" / "web.mk").read_text()


def test_project_hooks_are_executable_scripts(azure_yaml: dict[str, Any]) -> None:
    hooks = azure_yaml["document"]["hooks"]
    assert set(hooks) == {"postprovision", "postdeploy"}
    for hook in hooks.values():
        script = ROOT / hook["run"]
        assert script.exists(), script
        assert os.access(script, os.X_OK), f"{script} is not executable"
        assert hook["shell"] == "sh"
