"""The voice agent: persona, instructions and tools."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from livekit.agents import Agent, RunContext, ToolError, function_tool

from agent_app import documents

logger = logging.getLogger("parley.agent.assistant")

UploadLister = Callable[[], Awaitable[list[dict[str, Any]]]]
Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class ParleyAssistant(Agent):
    """Answers by voice; can tell the time and search the session's uploaded documents."""

    def __init__(
        self,
        *,
        instructions: str,
        list_uploads: UploadLister,
        clock: Clock = _utc_now,
        chat_ctx: Any = None,
    ) -> None:
        super().__init__(instructions=instructions, chat_ctx=chat_ctx)
        self._list_uploads = list_uploads
        self._clock = clock

    @function_tool
    async def get_current_time(self, context: RunContext[None]) -> str:
        """Get the current date and time (UTC)."""
        now = self._clock()
        return now.strftime("%H:%M UTC on %A, %d %B %Y")

    @function_tool
    async def search_documents(self, context: RunContext[None], query: str) -> str:
        """Search the text of documents the user uploaded in this session.

        Args:
            query: What to look for, in the user's words.
        """
        try:
            uploads = await self._list_uploads()
        except Exception as e:
            logger.warning("listing uploads failed", extra={"error": str(e)})
            raise ToolError("The document service is not reachable right now.") from e
        return documents.search(documents.ready_documents(uploads), query)
