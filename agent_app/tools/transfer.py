"""The transfer tool: hand a phone call to a human (SIP REFER through livekit-sip).

The target comes from the tenant's profile (``transferTo``), never from the model, so a
caller cannot talk the agent into ringing an arbitrary number.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from livekit.agents import function_tool, llm

NAME = "transfer_call"

Transfer = Callable[[], Awaitable[str]]
"""Carries the transfer out; answers what to tell the model."""


def tool(transfer: Transfer) -> llm.Tool:
    """A ``transfer_call`` tool running ``transfer``."""

    async def transfer_call() -> str:
        return await transfer()

    return function_tool(
        transfer_call,
        name=NAME,
        description="Transfer this phone call to a human colleague when the caller asks "
        "for a person or you cannot help. Say you are transferring before calling it.",
    )
