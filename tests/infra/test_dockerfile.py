"""Lint the agent's Dockerfile (no Docker engine here): checkov's Dockerfile framework."""

from __future__ import annotations

import json

from tests.infra.helpers import CHECKOV, require_tool, run_in_repo


def test_agent_dockerfile_passes_checkov_with_no_failures() -> None:
    checkov = require_tool(CHECKOV)
    done = run_in_repo(
        checkov, "-f", "agent_app/Dockerfile", "--framework", "dockerfile", "-o", "json"
    )
    report = json.loads(done.stdout)
    if isinstance(report, list):
        (report,) = [r for r in report if r.get("check_type") == "dockerfile"]
    summary = report["summary"]
    failed = [c["check_id"] for c in report["results"]["failed_checks"]]
    assert summary["failed"] == 0, failed
    assert summary["passed"] > 50
    passed = {c["check_id"] for c in report["results"]["passed_checks"]}
    # The properties the container relies on: a non-root user and a health check.
    assert {"CKV_DOCKER_3", "CKV_DOCKER_2"} <= passed
