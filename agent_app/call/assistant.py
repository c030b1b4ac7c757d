"""The voice agent: its instructions and the tools its call was planned with."""

from __future__ import annotations

from typing import Any

from livekit.agents import Agent

from agent_app.tools import DEFAULT_TOOLS, ToolServices, build_tools
from agent_app.tools.clock import Clock, utc_now
from agent_app.tools.documents import UploadLister


class ParleyAssistant(Agent):
    """Answers by voice with the named tools (by default: the time and document search)."""

    def __init__(
        self,
        *,
        instructions: str,
        list_uploads: UploadLister,
        clock: Clock = utc_now,
        chat_ctx: Any = None,
        tools: tuple[str, ...] = DEFAULT_TOOLS,
    ) -> None:
        services = ToolServices(list_uploads=list_uploads, now=clock)
        super().__init__(
            instructions=instructions, chat_ctx=chat_ctx, tools=list(build_tools(tools, services))
        )
