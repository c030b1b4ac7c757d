"""What the agent can do during a call: one small module per tool, chosen by name.

A call's plan lists tool names (``call/plan.py``); :func:`build_tools` turns them into
livekit function tools bound to that call's services. The offline responder knows the
same names (``providers/offline/responder.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from livekit.agents import llm

from agent_app.tools import clock, documents, transfer

DEFAULT_TOOLS: tuple[str, ...] = (clock.NAME, documents.NAME)
"""Every call's tools today, in the order the model sees them."""


@dataclass(frozen=True)
class ToolServices:
    """What the tools of one call reach."""

    list_uploads: documents.UploadLister
    """The session's uploads, with their text."""
    now: clock.Clock = clock.utc_now
    """The wall clock (fixed in tests)."""
    transfer: transfer.Transfer | None = None
    """Hands the phone call to a human (phone calls with a transfer target only)."""


_FACTORIES: dict[str, Callable[[ToolServices], llm.Tool]] = {
    clock.NAME: lambda services: clock.tool(services.now),
    documents.NAME: lambda services: documents.tool(services.list_uploads),
    transfer.NAME: lambda services: transfer.tool(_transfer_of(services)),
}


def _transfer_of(services: ToolServices) -> transfer.Transfer:
    if services.transfer is None:
        raise ValueError("the transfer tool needs a phone call to transfer")
    return services.transfer


def build_tools(names: tuple[str, ...], services: ToolServices) -> list[llm.Tool]:
    """The function tools named, bound to ``services``; an unknown name is a ValueError."""
    unknown = [name for name in names if name not in _FACTORIES]
    if unknown:
        raise ValueError(f"unknown tools: {', '.join(unknown)}")
    return [_FACTORIES[name](services) for name in names]
