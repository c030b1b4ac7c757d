"""The voice agent: its instructions, the tools its call was planned with, and the realtime
model it speaks through when the call has one."""

from __future__ import annotations

from typing import Any

from livekit.agents import Agent, llm

from agent_app.tools import DEFAULT_TOOLS, ToolServices, build_tools
from agent_app.tools.clock import Clock, utc_now
from agent_app.tools.documents import UploadLister
from agent_app.tools.transfer import Transfer


class ParleyAssistant(Agent):
    """Answers by voice with the named tools (by default: the time and document search).

    With ``realtime``, the model hears and speaks itself: no STT runs, and the server's
    turn detection decides when the caller has finished; the local VAD still runs, for the
    turn's end-of-speech to first-audio metric; the session's TTS still speaks the fixed
    sentences (``say``)."""

    def __init__(
        self,
        *,
        instructions: str,
        list_uploads: UploadLister,
        clock: Clock = utc_now,
        chat_ctx: Any = None,
        tools: tuple[str, ...] = DEFAULT_TOOLS,
        realtime: llm.RealtimeModel | None = None,
        transfer: Transfer | None = None,
    ) -> None:
        services = ToolServices(list_uploads=list_uploads, now=clock, transfer=transfer)
        overrides: dict[str, Any] = (
            {"llm": realtime, "stt": None, "turn_detection": "realtime_llm"} if realtime else {}
        )
        super().__init__(
            instructions=instructions,
            chat_ctx=chat_ctx,
            tools=list(build_tools(tools, services)),
            **overrides,
        )
