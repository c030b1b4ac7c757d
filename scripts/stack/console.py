"""One terminal for the whole stack: every process's log file, line by line, prefixed
with its name (as honcho printed them), and supervisord's own lines (starts, exits,
restarts, give-ups) under ``supervisor``."""

from __future__ import annotations

import sys
from pathlib import Path


class LogFollower:
    """Follows ``<name>.log`` files in one folder from their current ends."""

    def __init__(self, logs: Path, names: list[str]) -> None:
        self.paths = {name: logs / f"{name}.log" for name in names}
        self.offsets = dict.fromkeys(names, 0)
        self.partial = dict.fromkeys(names, b"")
        self.width = max(len(name) for name in names)

    def pump(self) -> None:
        """Print every complete line written since the last call."""
        for name, path in self.paths.items():
            try:
                size = path.stat().st_size
            except OSError:
                continue
            if size < self.offsets[name]:  # rotated
                self.offsets[name], self.partial[name] = 0, b""
            if size == self.offsets[name]:
                continue
            with path.open("rb") as log:
                log.seek(self.offsets[name])
                chunk = log.read(size - self.offsets[name])
            self.offsets[name] += len(chunk)
            *lines, self.partial[name] = (self.partial[name] + chunk).split(b"\n")
            for line in lines:
                text = line.decode(errors="replace")
                sys.stdout.write(f"{name:<{self.width}} | {text}\n")
        sys.stdout.flush()
