"""The offline "LLM": a small deterministic responder for when no model is configured.

No PyPI package ships an instruct model that answers a turn (with tool calls) in
about two seconds on two CPU cores without fetching weights at run time, so with no
keys the agent still holds a real, if narrow, conversation: it recognises a few
intents (time, date, documents, recall, greetings, thanks, goodbye), uses the same
tools a real model would, and for anything else says plainly what it would need.
It never parrots the user back.
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
TRANSFER_TOOL = "transfer_call"

# narrow on purpose: "this time of year" or "the weather today" are not questions for a clock
_TIME = re.compile(r"\b(what time|the time|time is it|clock)\b", re.I)
_DATE = re.compile(
    r"\b(date|what day|which day|day is it|day of the week|what month|what year)\b", re.I
)
_DOCS = re.compile(
    r"\b(documents?|files?|upload\w*|pdf|summar\w*|quote|attachment)\b"
    r"|\bwhat does (it|the \w+) say\b",
    re.I,
)
_RECALL = re.compile(r"\bwhat (did|do) i (just )?(say|ask|tell you)\b|\brepeat what i said\b", re.I)
_GREETING = re.compile(r"^\W*(hi|hello|hey|good (morning|afternoon|evening))\b", re.I)
_THANKS = re.compile(r"\b(thanks|thank you|cheers)\b", re.I)
_GOODBYE = re.compile(r"\b(good ?bye|bye|see you|that's all)\b", re.I)
_TRANSFER = re.compile(r"\b(human|real person|operator|transfer|speak to someone)\b", re.I)
_MAX_SPOKEN_CHARS = 400

WHAT_I_CAN_DO = "ask me the time, the date, about a file you share, or what you said"
NEEDS_A_MODEL = (
    "I can't answer that without a language model: connect one with OPENAI_BASE_URL "
    f"or an API key. Until then, {WHAT_I_CAN_DO}."
)


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
        # short: nobody can speak until it ends
        return TextPlan(f"Hi, I'm {persona}, running offline: {WHAT_I_CAN_DO}.")
    message = items[last_user]
    assert isinstance(message, llm.ChatMessage)
    heard = (message.text_content or "").strip()
    outputs = [item for item in items[last_user + 1 :] if isinstance(item, llm.FunctionCallOutput)]
    if outputs:
        return TextPlan(_answer_from(outputs[-1], heard))
    if not heard:
        return TextPlan("I didn't catch that. Could you say it again?")
    if _RECALL.search(heard):
        return TextPlan(_recall(items[:last_user]))
    # a question about a document wins ("the launch date in my file" is not about time)
    if _DOCS.search(heard) and SEARCH_TOOL in tool_names:
        return ToolCallPlan(SEARCH_TOOL, {"query": heard})
    if _TRANSFER.search(heard) and TRANSFER_TOOL in tool_names:
        return ToolCallPlan(TRANSFER_TOOL, {})
    if (_TIME.search(heard) or _DATE.search(heard)) and TIME_TOOL in tool_names:
        return ToolCallPlan(TIME_TOOL, {})
    return TextPlan(_small_talk(heard) or NEEDS_A_MODEL)


def _small_talk(heard: str) -> str | None:
    thanks, goodbye = _THANKS.search(heard), _GOODBYE.search(heard)
    if thanks and goodbye:
        return "You're welcome. Goodbye!"
    if goodbye:
        return "Goodbye! Talk to you soon."
    if thanks:
        return "You're welcome."
    if _GREETING.search(heard):
        return f"Hello! {WHAT_I_CAN_DO[0].upper()}{WHAT_I_CAN_DO[1:]}."
    return None


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


def _answer_from(output: llm.FunctionCallOutput, question: str) -> str:
    if output.is_error:
        return "Sorry, that didn't work while I'm offline."
    if output.name == TIME_TOOL:
        # the tool says "09:41 UTC on Friday, 17 May 2030"
        _, _, day = output.output.partition(" on ")
        if _DATE.search(question) and not _TIME.search(question) and day:
            return f"Today is {day}."
        return f"It's {output.output}."
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
