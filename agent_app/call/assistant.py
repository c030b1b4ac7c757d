"""The voice agent: its instructions, the tools its call was planned with, and the realtime
model it speaks through when the call has one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from livekit.agents import Agent, llm
from livekit.agents import vad as lk_vad

from agent_app.tools import DEFAULT_TOOLS, ToolServices, build_tools
from agent_app.tools.clock import Clock, utc_now
from agent_app.tools.documents import UploadLister
from agent_app.tools.transfer import Transfer


class ParleyAssistant(Agent):
    """Answers by voice with the named tools (by default: the time and document search).

    With ``realtime``, the model hears and speaks itself: no STT runs, and the server's
    turn detection decides when the caller has finished (a realtime call's session runs no
    local VAD); the session's TTS still speaks the fixed sentences (``say``). ``vad``: this
    agent's own VAD (the cascade's agent when a realtime call falls back to it).
    ``on_enter`` is told when the agent starts serving the call."""

    def __init__(
        self,
        *,
        instructions: str,
        list_uploads: UploadLister,
        clock: Clock = utc_now,
        chat_ctx: Any = None,
        tools: tuple[str, ...] = DEFAULT_TOOLS,
        realtime: llm.RealtimeModel | None = None,
        on_enter: Callable[[], None] | None = None,
        vad: lk_vad.VAD | None = None,
        transfer: Transfer | None = None,
    ) -> None:
        self._entered = on_enter
        services = ToolServices(list_uploads=list_uploads, now=clock, transfer=transfer)
        overrides: dict[str, Any] = (
            {"llm": realtime, "stt": None, "turn_detection": "realtime_llm"} if realtime else {}
        )
        if vad is not None:
            overrides["vad"] = vad
        super().__init__(
            instructions=instructions,
            chat_ctx=chat_ctx,
            tools=list(build_tools(tools, services)),
            **overrides,
        )

    async def on_enter(self) -> None:
        if self._entered is not None:
            self._entered()
