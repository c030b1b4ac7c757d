"""Every Bicep file parses (pycep-parser), and the parser really rejects bad Bicep."""

from __future__ import annotations

from pathlib import Path

from tests.infra.helpers import BICEP_DIR, ROOT, Tree, parse_bicep

EXPECTED_MODULES = {
    "agent",
    "ai",
    "alerts",
    "cosmos",
    "fetch-image",
    "functionapp",
    "identities",
    "keyvault",
    "livekit",
    "monitoring",
    "network",
    "redis",
    "registry",
    "storage",
    "workbook",
}


def test_every_bicep_file_parses(bicep: dict[str, Tree]) -> None:
    on_disk = {str(p.relative_to(ROOT)) for p in BICEP_DIR.rglob("*.bicep")}
    assert set(bicep) == on_disk
    assert {Path(p).stem for p in on_disk if "/modules/" in p} == EXPECTED_MODULES


def test_parser_rejects_a_syntax_error(tmp_path: Path) -> None:
    # Guards the guard: a parser that accepted anything would make the test above vacuous.
    broken = tmp_path / "broken.bicep"
    broken.write_text(
        "param name string\nresource x 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n"
        "  name: name\n"
    )
    good = tmp_path / "good.bicep"
    good.write_text("param name string\noutput upper string = toUpper(name)\n")
    trees, errors = parse_bicep([broken, good])
    assert list(errors) == [str(broken)]
    assert list(trees) == [str(good)]


def test_main_is_subscription_scoped_with_a_tagged_resource_group(main_bicep: Tree) -> None:
    assert main_bicep["globals"]["scope"]["value"] == "subscription"
    rgs = main_bicep["resources"]
    (rg,) = [r for r in rgs.values() if r["type"] == "Microsoft.Resources/resourceGroups"]
    assert rg["config"]["tags"] == "tags"
    assert main_bicep["variables"]["tags"]["value"] == {"'azd-env-name'": "environmentName"}
    token = main_bicep["variables"]["resourceToken"]["value"]
    assert "uniqueString" in str(token) or "unique_string" in str(token)
    # Every module is deployed into that resource group.
    for name, mod in main_bicep["modules"].items():
        cfg = mod["config"].get("config", mod["config"])
        assert cfg["scope"] == "rg", name
