"""checkov's Bicep checks: nothing fails, and every suppression is justified and in use."""

from __future__ import annotations

import re
from typing import Any

from tests.infra.helpers import BICEP_DIR

SKIP = re.compile(r"checkov:skip=(CKV2?_[A-Z]+_\d+)(?::(.*))?")


def _skip_comments() -> list[tuple[str, str, str]]:
    """(file, check id, reason) for every suppression comment under bicep/."""
    found = []
    for path in sorted(BICEP_DIR.rglob("*.bicep")):
        for line in path.read_text().splitlines():
            match = SKIP.search(line)
            if match:
                assert line.strip().startswith("//"), f"{path.name}: skip outside a // comment"
                found.append((path.name, match.group(1), (match.group(2) or "").strip()))
    return found


def test_no_check_fails(checkov_report: dict[str, Any]) -> None:
    summary = checkov_report["summary"]
    failed = [
        f"{c['check_id']} {c['resource']} ({c['file_path']}): {c['check_name']}"
        for c in checkov_report["results"]["failed_checks"]
    ]
    assert failed == []
    assert summary["parsing_errors"] == 0
    assert summary["passed"] >= 40, summary  # the checks really ran over the resources


def test_every_suppression_has_a_reason() -> None:
    skips = _skip_comments()
    assert skips, "expected justified suppressions in the Bicep"
    unexplained = [(f, check) for f, check, reason in skips if len(reason) < 25]
    assert unexplained == []


def test_every_suppression_silences_a_real_finding(checkov_report: dict[str, Any]) -> None:
    # A skip for a check that does not apply is noise that hides nothing: drop it.
    used = {
        (c["file_path"].rsplit("/", 1)[-1], c["check_id"])
        for c in checkov_report["results"]["skipped_checks"]
    }
    stale = sorted({(f, check) for f, check, _ in _skip_comments()} - used)
    assert stale == []
    reasons = {
        c["check_result"]["suppress_comment"] for c in checkov_report["results"]["skipped_checks"]
    }
    assert "No comment provided" not in reasons
