"""Timestamps as fixed-width UTC ISO-8601 strings, so they also sort as text."""

from __future__ import annotations

from datetime import UTC, datetime


def iso_from_epoch(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def utc_now_iso() -> str:
    return iso_from_epoch(datetime.now(UTC).timestamp())


def earliest(a: str | None, b: str | None) -> str | None:
    """The earlier of two timestamps, ignoring a missing one."""
    return min((stamp for stamp in (a, b) if stamp is not None), default=None)


def latest(a: str | None, b: str | None) -> str | None:
    """The later of two timestamps, ignoring a missing one."""
    return max((stamp for stamp in (a, b) if stamp is not None), default=None)
