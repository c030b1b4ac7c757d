"""Requests checked against the API's committed OpenAPI document (``docs/openapi.json``).

The agent's test double of the API uses this so the agent and the API cannot silently
disagree: a request the real API would not accept (unknown route or method, a path,
query or header parameter that breaks its schema, a missing or invalid JSON body) is a
contract violation, answered like the API would (422) and recorded for the test.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from harness.processes import ROOT

OPENAPI_DOCUMENT = ROOT / "docs" / "openapi.json"
_PARAM = re.compile(r"\{([^}/]+)\}")


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    pattern: re.Pattern[str]
    spec: Mapping[str, Any]


@dataclass(frozen=True)
class Contract:
    """The operations of one OpenAPI document and what their requests must look like."""

    document: Mapping[str, Any]
    operations: tuple[Operation, ...]

    @classmethod
    def load(cls, path: Path = OPENAPI_DOCUMENT) -> Contract:
        document = json.loads(path.read_text(encoding="utf-8"))
        operations = []
        for template, methods in document["paths"].items():
            # Templates hold only letters, "/" and "{name}": no other regex metacharacters.
            regex = "^" + _PARAM.sub(r"(?P<\1>[^/]+)", template) + "$"
            for method, spec in methods.items():
                operations.append(Operation(method.upper(), template, re.compile(regex), spec))
        return cls(document, tuple(operations))

    def _valid(self, schema: Mapping[str, Any], value: object) -> list[str]:
        # The components travel with each schema so that its $refs resolve.
        validator = Draft202012Validator({**schema, "components": self.document["components"]})
        return [error.message for error in validator.iter_errors(value)]

    def violations(
        self,
        method: str,
        path: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: bytes,
    ) -> list[str]:
        """What is wrong with this request by the document; empty when it conforms."""
        matches = [(op, op.pattern.match(path)) for op in self.operations]
        found = [(op, m) for op, m in matches if m is not None and op.method == method.upper()]
        if not found:
            return [f"{method} {path}: no such operation in the OpenAPI document"]
        operation, match = found[0]
        where = f"{method} {operation.template}"
        problems: list[str] = []
        lowered = {k.lower(): v for k, v in headers.items()}
        for param in operation.spec.get("parameters", []):
            name, place = param["name"], param["in"]
            if place == "path":
                value: str | None = match.group(name)
            elif place == "query":
                value = query.get(name)
            elif place == "header":
                value = lowered.get(name.lower())
            else:
                continue
            if value is None:
                if param.get("required"):
                    problems.append(f"{where}: missing {place} parameter {name}")
                continue
            problems += [
                f"{where}: {place} parameter {name}: {m}"
                for m in self._valid(param["schema"], _typed(value, param["schema"]))
            ]
        problems += self._body_violations(where, operation.spec.get("requestBody"), lowered, body)
        return problems

    def _body_violations(
        self, where: str, spec: Mapping[str, Any] | None, headers: Mapping[str, str], body: bytes
    ) -> list[str]:
        if spec is None:
            return [f"{where}: a body the operation does not take"] if body else []
        if not body:
            return [f"{where}: missing request body"] if spec.get("required") else []
        content_type = headers.get("content-type", "").split(";")[0].strip()
        media = spec.get("content", {}).get(content_type)
        if media is None:
            return [f"{where}: body type {content_type!r} is not documented"]
        if content_type != "application/json":
            return []
        try:
            value = json.loads(body)
        except ValueError:
            return [f"{where}: the body is not JSON"]
        return [f"{where}: body: {m}" for m in self._valid(media["schema"], value)]


def _typed(raw: str, schema: Mapping[str, Any]) -> object:
    """A query or path string as the JSON value its schema expects (integers, booleans)."""
    kinds = {schema.get("type")} | {s.get("type") for s in schema.get("anyOf", [])}
    if "integer" in kinds and re.fullmatch(r"-?\d+", raw):
        return int(raw)
    if "boolean" in kinds and raw in ("true", "false"):
        return raw == "true"
    return raw


@cache
def api_contract() -> Contract:
    """The committed document, read once per process."""
    return Contract.load()
