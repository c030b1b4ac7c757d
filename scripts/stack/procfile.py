"""The Procfile: THE list of the local stack's processes, one ``name: command`` a line."""

from __future__ import annotations

from pathlib import Path


def read_procfile(path: Path) -> dict[str, str]:
    """Each process's command, in the file's order (which is also the start order)."""
    processes: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, command = line.partition(":")
        if not sep or not name.strip().isidentifier() or not command.strip():
            raise ValueError(f"{path}:{number}: expected `name: command`, got {line!r}")
        processes[name.strip()] = command.strip()
    return processes
