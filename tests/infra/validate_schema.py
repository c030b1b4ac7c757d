"""Load a YAML document and validate it against a JSON schema (draft 2019-09).

Runs under `.venv-infra/bin/python`, where checkov brings jsonschema and PyYAML.
Usage: ``validate_schema.py DOCUMENT.yaml [SCHEMA.json]``. Prints
``{"document": ..., "errors": ["path: message", ...]}``; without a schema only the
document is loaded. Exits 1 when the document breaks the schema.

Nothing is fetched: the azd schema refers to a few remote schemas (for AI hosts
Parley does not use); those references resolve to an empty schema, and their URLs are
listed under "unresolved".
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import jsonschema  # type: ignore[import-untyped, unused-ignore]
import yaml  # type: ignore[import-untyped, unused-ignore]
from referencing import Registry, Resource  # type: ignore[import-not-found, unused-ignore]
from referencing.jsonschema import DRAFT201909  # type: ignore[import-not-found, unused-ignore]


def main(document_path: str, schema_path: str | None) -> int:
    document = yaml.safe_load(Path(document_path).read_text())
    errors: list[str] = []
    unresolved: list[str] = []

    def offline(uri: str) -> object:
        unresolved.append(uri)
        return Resource.from_contents({}, default_specification=DRAFT201909)

    if schema_path is not None:
        schema = json.loads(Path(schema_path).read_text())
        # referencing names the field `_retrieve` with an attrs alias mypy cannot see.
        registry = Registry(retrieve=offline)  # type: ignore[call-arg]
        validator = jsonschema.Draft201909Validator(schema, registry=registry)
        for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path)):
            location = "/".join(str(part) for part in error.absolute_path) or "(root)"
            errors.append(f"{location}: {error.message}")
    json.dump({"document": document, "errors": errors, "unresolved": unresolved}, sys.stdout)
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None))
