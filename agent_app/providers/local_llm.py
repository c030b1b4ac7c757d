"""The offline "LLM": a small deterministic responder that says it is offline.

No PyPI package ships an instruct model that answers a turn (with tool calls) in
about two seconds on two CPU cores without fetching weights at run time, so with no
keys the agent still works end to end by recognising a few intents and using the
same tools a real model would: the time, and this session's uploaded documents.
Anything else is echoed back, so the voice pipeline can be checked by ear.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from livekit.agents import llm, utils
from livekit.agents.llm import ChatChunk, ChoiceDelta, FunctionToolCall, Tool
from livekit.agents.types import (
    DEFAULT_API_CONNECT_OPTIONS,
    NOT_GIVEN,
    APIConnectOptions,
    NotGivenOr,
)

TIME_TOOL = "get_current_time"
SEARCH_TOOL = "search_documents"

_TIME = re.compile(r"\b(time|clock|date|what day)\b", re.I)
_DOCS = re.compile(r"\b(documents?|files?|upload\w*|pdf|summar\w*|quote|read|says?)\b", re.I)
_RECALL = re.compile(r"\bwhat did i (say|ask)\b", re.I)
_MAX_SPOKEN_CHARS = 400


@dataclass(frozen=True)
class ToolCallPlan:
    """Call a tool before answering."""

    name: str
    """The tool's name."""
    arguments: dict[str, Any]
    """Its JSON arguments."""


@dataclass(frozen=True)
class TextPlan:
    """Answer with this text."""

    text: str
    """What to say."""


def _shorten(text: str, limit: int = _MAX_SPOKEN_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut + " …"


def plan_reply(
    chat_ctx: llm.ChatContext, tool_names: set[str], persona: str
) -> ToolCallPlan | TextPlan:
    """Decide the next step from the conversation so far."""
    items = chat_ctx.items
    last_user = next((i for i in range(len(items) - 1, -1, -1) if _is_user_message(items[i])), None)
    if last_user is None:
        return TextPlan(
            # short: nobody can speak until it ends
            f"Hi, I'm {persona}, running offline. I can tell the time, read files you "
            "share, and repeat or recall what you say."
        )
    outputs = [item for item in items[last_user + 1 :] if isinstance(item, llm.FunctionCallOutput)]
    if outputs:
        return TextPlan(_answer_from(outputs[-1]))
    message = items[last_user]
    assert isinstance(message, llm.ChatMessage)
    heard = (message.text_content or "").strip()
    # a question about a document wins ("the launch date in my file" is not about time)
    if _DOCS.search(heard) and SEARCH_TOOL in tool_names:
        return ToolCallPlan(SEARCH_TOOL, {"query": heard})
    if _TIME.search(heard) and TIME_TOOL in tool_names:
        return ToolCallPlan(TIME_TOOL, {})
    if _RECALL.search(heard):
        return TextPlan(_recall(items[:last_user]))
    if not heard:
        return TextPlan("I didn't catch that. I'm running offline; could you say it again?")
    return TextPlan(
        f"I'm running offline without a language model. I heard: {_shorten(heard, 200)}"
    )


def _recall(earlier: list[llm.ChatItem]) -> str:
    """Quote the user's previous message: proof the conversation's history is there."""
    said = [
        (item.text_content or "").strip()
        for item in earlier
        if isinstance(item, llm.ChatMessage) and item.role == "user"
    ]
    previous = next((text for text in reversed(said) if text), None)
    if previous is None:
        return "You haven't said anything before that."
    return f"Before that you said: {_shorten(previous, 200)}"


def _is_user_message(item: llm.ChatItem) -> bool:
    return isinstance(item, llm.ChatMessage) and item.role == "user"


def _answer_from(output: llm.FunctionCallOutput) -> str:
    if output.is_error:
        return "Sorry, that didn't work while I'm offline."
    if output.name == TIME_TOOL:
        return f"It's {output.output}."
    if output.name == SEARCH_TOOL:
        return _shorten(output.output)
    return _shorten(output.output)


class OfflineLLM(llm.LLM[None]):
    """Deterministic stand-in for a chat model, streaming its answer word by word."""

    def __init__(self, *, persona: str = "Parley") -> None:
        super().__init__()
        self._persona = persona

    @property
    def model(self) -> str:
        return "parley-offline-responder"

    @property
    def provider(self) -> str:
        return "local"

    def chat(
        self,
        *,
        chat_ctx: llm.ChatContext,
        tools: list[Tool] | None = None,
        conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS,
        parallel_tool_calls: NotGivenOr[bool] = NOT_GIVEN,
        tool_choice: NotGivenOr[llm.ToolChoice] = NOT_GIVEN,
        extra_kwargs: NotGivenOr[dict[str, Any]] = NOT_GIVEN,
    ) -> llm.LLMStream:
        return _OfflineStream(self, chat_ctx=chat_ctx, tools=tools or [], conn_options=conn_options)


class _OfflineStream(llm.LLMStream):
    def __init__(
        self,
        offline: OfflineLLM,
        *,
        chat_ctx: llm.ChatContext,
        tools: list[Tool],
        conn_options: APIConnectOptions,
    ) -> None:
        super().__init__(offline, chat_ctx=chat_ctx, tools=tools, conn_options=conn_options)
        self._persona = offline._persona

    async def _run(self) -> None:
        request_id = utils.shortuuid("offline_")
        names = {tool.id for tool in self._tools}
        plan = plan_reply(self._chat_ctx, names, self._persona)
        if isinstance(plan, ToolCallPlan):
            call = FunctionToolCall(
                name=plan.name,
                arguments=json.dumps(plan.arguments),
                call_id=utils.shortuuid("call_"),
            )
            self._event_ch.send_nowait(
                ChatChunk(id=request_id, delta=ChoiceDelta(role="assistant", tool_calls=[call]))
            )
            return
        words = plan.text.split(" ")
        for index, word in enumerate(words):
            piece = word if index == 0 else " " + word
            self._event_ch.send_nowait(
                ChatChunk(id=request_id, delta=ChoiceDelta(role="assistant", content=piece))
            )
