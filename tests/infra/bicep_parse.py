"""Parse Bicep files with pycep-parser and print them as one JSON document.

Runs under `.venv-infra/bin/python` (pycep comes with checkov there, kept out of
`.venv`). Usage: ``bicep_parse.py FILE...``. Prints ``{"parsed": {path: tree},
"errors": {path: message}}`` and exits 1 when any file fails to parse.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pycep import BicepParser


def main(paths: list[str]) -> int:
    parser = BicepParser()
    parsed: dict[str, object] = {}
    errors: dict[str, str] = {}
    for name in paths:
        try:
            parsed[name] = parser.parse(file_path=Path(name))
        except Exception as exc:  # lark raises several unrelated types
            errors[name] = f"{type(exc).__name__}: {exc}"
    json.dump({"parsed": parsed, "errors": errors}, sys.stdout, default=str)
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
