"""The document tool: search what the user shared in this session."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from livekit.agents import ToolError, function_tool, llm

from agent_app.documents import search

logger = logging.getLogger("parley.agent.tools")

NAME = "search_documents"

UploadLister = Callable[[], Awaitable[list[dict[str, Any]]]]


def tool(list_uploads: UploadLister) -> llm.Tool:
    """A ``search_documents`` tool over the uploads ``list_uploads`` returns."""

    async def search_documents(query: str) -> str:
        """Search the text of documents the user uploaded in this session.

        Args:
            query: What to look for, in the user's words.
        """
        try:
            uploads = await list_uploads()
        except Exception as e:
            logger.warning("listing uploads failed", extra={"error": str(e)})
            raise ToolError("The document service is not reachable right now.") from e
        return search.search(search.ready_documents(uploads), query)

    return function_tool(search_documents, name=NAME)
