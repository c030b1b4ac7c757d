"""What a dispatch says about the call it starts (JSON in the job's metadata)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

logger = logging.getLogger("parley.agent.dispatch")


@dataclass(frozen=True)
class DispatchMetadata:
    """What a dispatch may say about the session (JSON in the job metadata)."""

    session_id: str | None = None
    """The Parley session to serve; defaults to the room SID."""
    restore: bool = False
    """Set by the recovery re-dispatch: a snapshot is expected."""
    tenant: str | None = None
    """The tenant whose call this is: its profile applies, its session is written."""
    channel: str | None = None
    """``phone`` when a tenant's number rang (the number's dispatch rule says so)."""
    dialled: str | None = None
    """The tenant's number the caller dialled (phone calls)."""

    @classmethod
    def parse(cls, raw: str | None) -> DispatchMetadata:
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            logger.warning("ignoring dispatch metadata that is not JSON")
            return cls()
        if not isinstance(data, dict):
            return cls()
        session_id = data.get("sessionId")
        return cls(
            session_id=str(session_id) if session_id else None,
            restore=bool(data.get("restore", False)),
            tenant=str(data["tenant"]) if data.get("tenant") else None,
            channel=str(data["channel"]) if data.get("channel") else None,
            dialled=str(data["dialled"]) if data.get("dialled") else None,
        )
