"""A realtime call in process: a ``ParleySession`` planned from settings (the realtime chain
in front of the cascade), a paced microphone speaking the caller's voice and a speaker
collecting the agent's, the Parley API a ``FakeParleyApi``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from livekit.agents import ConversationItemAddedEvent, inference, llm

from agent_app.api.client import ParleyApi
from agent_app.api.outbox import OutboxOptions
from agent_app.call.dispatch import DispatchMetadata
from agent_app.call.pipelines import build_pipeline
from agent_app.call.plan import plan_call
from agent_app.call.session import ParleySession
from agent_app.call.tenant_profile import TenantProfile
from agent_app.recovery.state import MemoryStateStore, StateStore
from agent_app.settings import AgentSettings
from harness.caller.voice import caller_frames, speak
from harness.doubles.audio_io import CollectingSpeaker, PacedMicrophone
from harness.waiting import wait_for


@dataclass
class RealtimeCall:
    """The session under test, its audio ends and the messages it committed."""

    parley: ParleySession
    mic: PacedMicrophone
    speaker: CollectingSpeaker
    messages: list[llm.ChatMessage] = field(default_factory=list)

    def said(self, role: str) -> list[str]:
        return [m.text_content or "" for m in self.messages if m.role == role]

    async def turn(self, sentence: str, *, snr_db: float = 20.0, timeout: float = 60) -> str:
        """Speak ``sentence`` (over room noise) and wait for the agent's next reply."""
        replies = len(self.said("assistant"))
        self.mic.say(caller_frames(sentence, snr_db=snr_db))
        await wait_for(
            lambda: len(self.said("assistant")) > replies, timeout, f"a reply to {sentence!r}"
        )
        return self.said("assistant")[-1]


@asynccontextmanager
async def realtime_call(
    api_url: str,
    settings: AgentSettings,
    *,
    session_id: str = "RM_realtime",
    store: StateStore | None = None,
    profile: TenantProfile | None = None,
    microphone: type[PacedMicrophone] = PacedMicrophone,
    speaker: type[CollectingSpeaker] = CollectingSpeaker,
) -> AsyncIterator[RealtimeCall]:
    """Start the call ``settings`` plan (no room), yield it, close it (flushing its outbox).
    ``microphone`` and ``speaker`` are the audio ends' classes (benchmarks stamp them)."""
    plan = plan_call(settings, profile or TenantProfile(), DispatchMetadata())
    vad = inference.VAD()
    models = await build_pipeline(plan, vad)
    parley = ParleySession(
        settings=settings,
        session_id=session_id,
        room_name="room-realtime",
        api=ParleyApi(api_url, "agent-key"),
        store=store or MemoryStateStore(60),
        providers=models.cascade,
        vad_model=vad,
        outbox_options=OutboxOptions(backoff_base=0.01, backoff_cap=0.05),
        plan=plan,
        realtime=models.realtime,
    )
    _, caller_rate = speak("hello")  # the microphone runs at the caller's voice's rate
    call = RealtimeCall(parley, microphone(caller_rate), speaker())

    def added(event: ConversationItemAddedEvent) -> None:
        if isinstance(event.item, llm.ChatMessage):
            call.messages.append(event.item)

    parley.session.on("conversation_item_added", added)
    parley.session.input.audio = call.mic
    parley.session.output.audio = call.speaker
    await parley.session.start(await parley.prepare())
    try:
        yield call
    finally:
        await parley.session.aclose()
        await parley.close(5)


def realtime_settings(server_url: str, chain: str, **extra: Any) -> AgentSettings:
    """Settings whose realtime chain reaches the double at ``server_url`` by every client:
    ``openai`` (GA path), ``azure-openai`` (GA path unless an API version is given) and
    ``voice-live``; the cascade behind it is the offline one."""
    base: dict[str, Any] = {
        "stt_providers": "local",
        "llm_providers": "local",
        "tts_providers": "local",
        "parley_agent_key": "agent-key",
        "realtime_providers": chain,
        "openai_realtime_base_url": f"{server_url}/v1",
        "openai_api_key": "test-key",
        "azure_openai_endpoint": server_url,
        "azure_openai_realtime_deployment": "gpt-realtime",
        "azure_openai_api_key": "azure-key",
        "azure_voice_live_endpoint": server_url,
        "azure_voice_live_api_key": "voice-live-key",
        "realtime_connect_retries": 1,
    }
    base.update(extra)
    return AgentSettings.model_validate(base)
