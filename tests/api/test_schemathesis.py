"""An outside fuzzer against the live API: schemathesis, driven by the API's own OpenAPI
document, sends generated valid and invalid requests to uvicorn on the real emulators,
once with an integrator key and once with the agent key.

It must find no server error, no status code the document does not list, no response
that breaks its schema and no wrong content type. The budget is bounded (examples per
operation and a time cap) so CI on two cores stays around a minute per credential.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.emulators import Emulators
from harness.redis_server import start_redis
from harness.stack import Stack, full_stack

VENV_BIN = Path(sys.executable).parent
CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "response_schema_conformance",
        "content_type_conformance",
    )
)
MAX_EXAMPLES = 20
MAX_SECONDS = 40


@pytest.fixture(scope="module")
def stack(emulators: Emulators, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The API under uvicorn with a real LiveKit server (which also posts its webhooks) over
    Redis (its SIP service needs it), so routes that need LiveKit answer as in production
    rather than 503."""
    work = tmp_path_factory.mktemp("fuzz")
    redis = start_redis(work)
    try:
        with full_stack(work, emulators, redis_address=f"127.0.0.1:{redis.port}") as running:
            yield running
    finally:
        redis.stop()


@pytest.mark.parametrize("credential", ["integrator", "agent"])
def test_schemathesis_finds_nothing(stack: Stack, credential: str, tmp_path: Path) -> None:
    live_api = stack.api
    key = live_api.api_key if credential == "integrator" else live_api.agent_key
    report = tmp_path / "junit.xml"
    command = [
        str(VENV_BIN / "schemathesis"),
        "run",
        f"{live_api.base_url}/api/openapi.json",
        "--checks",
        CHECKS,
        "--max-examples",
        str(MAX_EXAMPLES),
        "--max-time",
        str(MAX_SECONDS),
        # One worker: with two, CPython 3.11's parser can fail inside schemathesis itself
        # ("AST constructor recursion depth mismatch"), a fuzzer crash, not a finding.
        "--workers",
        "1",
        "--seed",
        "1",
        "--generation-database",
        "none",
        "--request-timeout",
        "15",
        "--header",
        f"x-api-key: {key}",
        "--no-color",
        "--report",
        "junit",
        "--report-junit-path",
        str(report),
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=MAX_SECONDS * 4, cwd=tmp_path
    )
    output = result.stdout[-12_000:] + result.stderr[-4_000:]
    assert result.returncode == 0, output
    # A run that tested nothing would pass too: make sure every operation was exercised.
    assert "operations" in output.lower(), output
