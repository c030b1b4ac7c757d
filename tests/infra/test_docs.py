"""docs/deploy.md documents every parameter; docs/architecture.md carries the diagram."""

from __future__ import annotations

import json
import re

from tests.infra.helpers import BICEP_DIR, ROOT

DEPLOY = ROOT / "docs" / "deploy.md"
ARCHITECTURE = ROOT / "docs" / "architecture.md"


def test_every_parameter_and_its_azd_value_is_documented() -> None:
    doc = DEPLOY.read_text()
    params = json.loads((BICEP_DIR / "main.parameters.json").read_text())["parameters"]
    missing = []
    for name, entry in params.items():
        if f"`{name}`" not in doc and name not in doc:
            missing.append(name)
        env = re.match(r"\$\{([A-Z0-9_]+)", entry["value"])
        if env and env.group(1) not in doc:
            missing.append(env.group(1))
    assert missing == []


def test_deploy_guide_covers_the_required_topics() -> None:
    doc = DEPLOY.read_text()
    for heading in (
        "## `azd up` from nothing",
        "## Parameters",
        "## Cost",
        "## Capacity",
        "## Rotating keys",
    ):
        assert heading in doc, heading
    assert "per 1,000 conversation-hours" in doc.lower() or "Per 1,000 conversation-hours" in doc


def test_architecture_has_one_mermaid_flowchart() -> None:
    text = ARCHITECTURE.read_text()
    blocks = re.findall(r"```mermaid\n(.*?)```", text, re.S)
    assert len(blocks) == 1
    diagram = blocks[0]
    assert diagram.startswith("flowchart")
    assert diagram.count("subgraph") == diagram.count("\n  end") + diagram.count("\n    end")
