"""Paths and small readers for the infrastructure tests.

The Bicep files are parsed by pycep-parser (in `.venv-infra`, see mk/infra.mk) into
JSON trees; these helpers navigate those trees. In a tree, a string is either a
literal or an identifier (pycep does not tell them apart): `'uploads'` and a variable
named `uploads` both read as "uploads".
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
BICEP_DIR = ROOT / "bicep"
INFRA_VENV = ROOT / ".venv-infra"
INFRA_PYTHON = INFRA_VENV / "bin" / "python"
CHECKOV = INFRA_VENV / "bin" / "checkov"
HERE = Path(__file__).resolve().parent
SCHEMA = ROOT.parent / "shared" / "schemas" / "azure.yaml.json"

Tree = dict[str, Any]


def require_tool(path: Path) -> Path:
    """The tool's path; a missing tool fails the test (it is never skipped)."""
    if not path.exists():
        pytest.fail(f"{path.relative_to(ROOT)} is missing: run `make infra-deps` first", False)
    return path


def run_in_repo(*command: str | Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run a tool from the repo root, capturing its text output; a non-zero exit is the
    caller's to judge (it asserts on the output, which says more than the code)."""
    return subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
        check=False,
    )


def run_infra_python(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run one of this folder's helper scripts under `.venv-infra/bin/python`."""
    return run_in_repo(require_tool(INFRA_PYTHON), HERE / script, *args)


def parse_bicep(paths: list[Path]) -> tuple[dict[str, Tree], dict[str, str]]:
    """Parse Bicep files: (trees by path, errors by path); paths inside the repo are
    given relative to it."""
    rel = [str(p.relative_to(ROOT)) if p.is_relative_to(ROOT) else str(p) for p in paths]
    done = run_infra_python("bicep_parse.py", *rel)
    try:
        out = json.loads(done.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"bicep_parse.py printed no JSON: {done.stderr[-2000:]}", False)
    return out["parsed"], out["errors"]


def body(resource: Tree) -> Tree:
    """A resource's or module's object, through any `if (...)` and `[for ...]` wrappers."""
    config: Tree = resource["config"]
    while "config" in config and ("condition" in config or "loop_type" in config):
        config = config["config"]
    return config


def condition(resource: Tree) -> Any:
    """The resource's deploy condition (None when unconditional)."""
    return resource["config"].get("condition")


def resources_of(tree: Tree, resource_type: str) -> dict[str, Tree]:
    """Resources of one type in a file, by symbolic name."""
    return {
        name: res
        for name, res in tree.get("resources", {}).items()
        if res["type"].lower() == resource_type.lower()
    }


def one(tree: Tree, resource_type: str) -> Tree:
    """The single resource of a type in a file (fails if there are none or several)."""
    found = resources_of(tree, resource_type)
    assert len(found) == 1, f"expected one {resource_type}, found {sorted(found)}"
    return body(next(iter(found.values())))


def walk(node: Any) -> Iterator[Any]:
    """Every node of a tree, depth first."""
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def function_calls(node: Any, name: str) -> list[Tree]:
    """Every call of the Bicep function `name` under a node."""
    return [
        n["function"]
        for n in walk(node)
        if isinstance(n, dict)
        and isinstance(n.get("function"), dict)
        and n["function"].get("type") == name
    ]


def variable(tree: Tree, name: str) -> Any:
    return tree["variables"][name]["value"]


def param_default(tree: Tree, name: str) -> Any:
    return tree["parameters"][name]["default"]


def param_bounds(tree: Tree, name: str) -> tuple[int | None, int | None]:
    """A parameter's @minValue and @maxValue."""
    low = high = None
    for deco in tree["parameters"][name]["decorators"]:
        if deco["type"] == "min_value":
            low = int(deco["argument"])
        elif deco["type"] == "max_value":
            high = int(deco["argument"])
    return low, high


def evaluate(expr: Any, names: dict[str, int]) -> int:
    """Evaluate an integer expression made of literals, names, `+` and `*`."""
    if isinstance(expr, bool):
        raise ValueError("not an integer expression")
    if isinstance(expr, int):
        return expr
    if isinstance(expr, str):
        return names[expr]
    op = expr["operator"]
    left = evaluate(op["operands"]["operand_1"], names)
    right = evaluate(op["operands"]["operand_2"], names)
    if op["type"] == "add":
        return left + right
    if op["type"] == "multiply":
        return left * right
    raise ValueError(f"unsupported operator {op['type']}")
