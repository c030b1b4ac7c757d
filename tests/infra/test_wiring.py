"""What a Bicep build would catch, checked without the Bicep CLI: every module call
passes exactly parameters the module declares, including all required ones; every
parameter main.bicep needs is mapped from the azd environment in main.parameters.json;
outputs the hooks read exist."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.infra.helpers import BICEP_DIR, ROOT, Tree, body


def _required(tree: Tree) -> set[str]:
    return {name for name, p in tree["parameters"].items() if p["default"] is None}


def test_module_calls_match_module_parameters(main_bicep: Tree, bicep: dict[str, Tree]) -> None:
    assert len(main_bicep["modules"]) >= 12
    for name, mod in main_bicep["modules"].items():
        path = "bicep/" + mod["detail"]["path"]
        target = bicep[path]
        passed = set(body(mod)["params"])
        declared = set(target["parameters"])
        assert passed - declared == set(), f"module {name}: unknown params"
        assert _required(target) - passed == set(), f"module {name}: required params missing"


def test_module_outputs_used_in_main_exist(main_bicep: Tree, bicep: dict[str, Tree]) -> None:
    text = (BICEP_DIR / "main.bicep").read_text()
    for name, mod in main_bicep["modules"].items():
        outputs = set(bicep["bicep/" + mod["detail"]["path"]]["outputs"])
        used = set(re.findall(rf"\b{re.escape(name)}\.outputs\.(\w+)", text))
        assert used - outputs == set(), f"module {name}: no such outputs"


def _parameters_file() -> dict[str, Any]:
    doc = json.loads((BICEP_DIR / "main.parameters.json").read_text())
    params: dict[str, Any] = doc["parameters"]
    return params


def test_parameters_file_maps_real_parameters(main_bicep: Tree) -> None:
    mapped = set(_parameters_file())
    declared = set(main_bicep["parameters"])
    assert mapped - declared == set(), "main.parameters.json names unknown parameters"
    assert _required(main_bicep) - mapped == set(), "required parameters azd cannot fill"


def test_parameters_come_from_the_azd_environment(main_bicep: Tree) -> None:
    for name, entry in _parameters_file().items():
        value = entry["value"]
        assert isinstance(value, str) and ("${" in value or "$(" in value), name
    # Generated keys survive re-provisioning: azd reads them back from Key Vault.
    params = _parameters_file()
    for name, secret in (
        ("parleyApiKeys", "parley-api-keys"),
        ("parleyAgentKey", "parley-agent-key"),
    ):
        assert (
            params[name]["value"] == f"$(secretOrRandomPassword ${{AZURE_KEY_VAULT_NAME}} {secret})"
        )
    assert params["agentExists"]["value"].startswith("${SERVICE_AGENT_RESOURCE_EXISTS")


def test_secure_parameters_are_marked_secure(main_bicep: Tree) -> None:
    for name, param in main_bicep["parameters"].items():
        secure = any(d["type"] == "secure" for d in param["decorators"])
        looks_secret = re.search(r"(Key|Keys|Secret)(Previous)?$", name) is not None
        assert secure == looks_secret, name


def test_outputs_read_by_the_hooks_exist(main_bicep: Tree) -> None:
    outputs = set(main_bicep["outputs"])
    hooks = (BICEP_DIR / "hooks" / "postprovision.sh").read_text()
    hooks += (BICEP_DIR / "hooks" / "postdeploy.sh").read_text()
    read = set(re.findall(r"\b(?:get|value) ([A-Z][A-Z0-9_]+)", hooks))
    azd_builtin = {"AZURE_ENV_NAME", "AZURE_PRINCIPAL_ID"}
    assert read, "the hooks read no azd values?"
    assert read - outputs - azd_builtin == set()
    # azd needs the registry endpoint to push the agent image.
    assert "AZURE_CONTAINER_REGISTRY_ENDPOINT" in outputs


def test_service_tags_match_azure_yaml(module: Any, azure_yaml: dict[str, Any]) -> None:
    services = set(azure_yaml["document"]["services"])
    fn = (ROOT / "bicep" / "modules" / "functionapp.bicep").read_text()
    agent = (ROOT / "bicep" / "modules" / "agent.bicep").read_text()
    tagged = set(re.findall(r"'azd-service-name': '([a-z-]+)'", fn + agent))
    assert tagged == services == {"api", "agent"}
