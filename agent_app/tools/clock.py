"""The time tool: the current date and time, in UTC."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from livekit.agents import function_tool, llm

NAME = "get_current_time"

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def tool(now: Clock = utc_now) -> llm.Tool:
    """A ``get_current_time`` tool reading ``now``."""

    async def get_current_time() -> str:
        return now().strftime("%H:%M UTC on %A, %d %B %Y")

    return function_tool(
        get_current_time, name=NAME, description="Get the current date and time (UTC)."
    )
