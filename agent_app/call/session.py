"""Everything one call owns while it runs: the voice session, its outbox, its record,
its documents; startable with or without a room (tests)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path

from livekit.agents import (
    Agent,
    ConversationItemAddedEvent,
    TurnHandlingOptions,
    llm,
    vad,
)

from agent_app.api.client import ParleyApi
from agent_app.api.handoff import Handoff
from agent_app.api.outbox import Outbox, OutboxOptions
from agent_app.call.assistant import ParleyAssistant
from agent_app.call.conversation import ConversationRecorder, document_message, restore_chat
from agent_app.call.dispatch import DispatchMetadata
from agent_app.call.opening import OpeningGuard
from agent_app.call.plan import CallPlan, plan_call
from agent_app.call.realtime_fallback import CascadeFallback, FallbackAgentSession
from agent_app.call.room_events import RoomEventRecorder
from agent_app.call.tenant_profile import TenantProfile
from agent_app.call.turns import turn_handling
from agent_app.documents.intake import IntakeOptions, UploadIntake
from agent_app.documents.search import Document
from agent_app.observability import telemetry
from agent_app.providers.chains import Providers
from agent_app.recovery.state import StateStore
from agent_app.settings import AgentSettings
from agent_app.tools.transfer import Transfer

logger = logging.getLogger("parley.agent.session")


class ParleySession:
    """Everything one session owns, startable with or without a room (tests)."""

    def __init__(
        self,
        *,
        settings: AgentSettings,
        session_id: str,
        room_name: str,
        api: ParleyApi,
        store: StateStore,
        providers: Providers,
        vad_model: vad.VAD | None,
        outbox_options: OutboxOptions | None = None,
        intake_options: IntakeOptions | None = None,
        turn_options: TurnHandlingOptions | None = None,
        events: RoomEventRecorder | None = None,
        plan: CallPlan | None = None,
        handoff: Handoff | None = None,
        realtime: llm.RealtimeModel | None = None,
    ) -> None:
        self.plan = plan or plan_call(settings, TenantProfile(), DispatchMetadata())
        settings = self.plan.settings
        self.settings = settings
        self.session_id = session_id
        self.api = api
        self.store = store
        spool = Path(settings.transcript_spool_dir) if settings.transcript_spool_dir else None
        self.handoff = handoff
        self.outbox = Outbox(
            api,
            session_id,
            outbox_options or OutboxOptions(spool_dir=spool),
            handoff=handoff,
            tenant=self.plan.tenant,
        )
        self._vad = vad_model
        self.session = FallbackAgentSession(
            stt=providers.stt,
            llm=providers.llm,
            tts=providers.tts,
            # a realtime call hears through the server's VAD: no local model on its audio
            # (the cascade's agent brings this one along if the call falls back)
            vad=None if realtime is not None else vad_model,
            turn_handling=turn_options if turn_options is not None else turn_handling(settings),
        )
        self.recorder: ConversationRecorder | None = None
        self.events = events or RoomEventRecorder()
        self.events.bind(session_id, lambda event: self.outbox.submit("event", event))
        self.realtime = realtime
        """The speech-to-speech model the call starts on (None: the cascade alone)."""
        self.fallback: CascadeFallback | None = None
        self.opening: OpeningGuard | None = None
        self._reply_cut = False
        """The agent was replying when its realtime model failed (the swap cuts the reply)."""
        """The call's opening, once said (said again by a model that takes over)."""
        self.intake = UploadIntake(
            api,
            session_id,
            room_name,
            on_ready=self._document_ready,
            on_rejected=self._document_rejected,
            options=intake_options or IntakeOptions(max_bytes=settings.upload_max_bytes),
        )
        self._room_name = room_name
        self.transfer: Transfer | None = None
        """Hands a phone call to a human (set before ``prepare`` on a phone call)."""
        self.agent: Agent | None = None
        self.restored = False

    async def prepare(self) -> Agent:
        """Start the outbox, restore any snapshot, and build the agent."""
        self.outbox.start()
        try:
            snapshot = await asyncio.wait_for(self.store.load(self.session_id), 3.0)
        except Exception as e:
            logger.warning("state store unavailable, starting fresh", extra={"error": str(e)})
            snapshot = None
        chat_ctx = restore_chat(snapshot)
        self.restored = chat_ctx is not None
        self.recorder = ConversationRecorder(
            session_id=self.session_id,
            room_name=self._room_name,
            outbox=self.outbox,
            store=self.store,
            history=lambda: self.session.history,
            participant_identity=self._participant_identity,
            snapshot=snapshot,
        )
        if snapshot is not None:
            self.intake.announced.update(snapshot.uploads)
            for segment in snapshot.segments:
                # the previous agent may have died before its outbox sent these
                self.outbox.submit("transcript", segment)
        self.session.on("conversation_item_added", self._on_item)
        self.agent = self._assistant(chat_ctx, self.realtime, on_enter=self._realtime_entered)
        if self.realtime is not None:
            telemetry.watch_realtime_failovers(self.realtime, self.events.record)
            self.session.on("metrics_collected", self.recorder.metrics.on_metrics)
            self.fallback = CascadeFallback(self.session, self._to_cascade, self.events.record)
        return self.agent

    def _assistant(
        self,
        chat_ctx: llm.ChatContext | None,
        realtime: llm.RealtimeModel | None,
        on_enter: Callable[[], None] | None = None,
        vad_model: vad.VAD | None = None,
    ) -> ParleyAssistant:
        return ParleyAssistant(
            instructions=self.plan.instructions,
            list_uploads=lambda: self.api.list_uploads(self.session_id, include_text=True),
            chat_ctx=chat_ctx,
            tools=self.plan.tools,
            realtime=realtime,
            on_enter=on_enter,
            vad=vad_model,
            transfer=self.transfer,
        )

    def _to_cascade(self, chat_ctx: llm.ChatContext) -> Agent:
        self.agent = self._assistant(
            chat_ctx, None, on_enter=self._model_changed, vad_model=self._vad
        )
        return self.agent

    def _realtime_entered(self) -> None:
        """The realtime agent serves the call: listen to its session for the server's end of
        speech (turn metrics) and for a swap to the next model (the opening)."""
        if self.realtime is None or self.agent is None or self.session.fell_back:
            return
        try:
            rt_session = self.agent.realtime_llm_session
        except RuntimeError:  # the model is already gone: the cascade's agent takes over
            return
        if self.recorder is not None:
            metrics = self.recorder.metrics
            rt_session.on("input_speech_stopped", lambda _: metrics.speech_stopped(time.time()))
        # a swap to the next realtime model is a reconnection of this session
        rt_session.on("session_reconnected", self._realtime_swapped)
        if isinstance(self.realtime, llm.RealtimeModelFallbackAdapter):
            self.realtime.on("realtime_availability_changed", self._realtime_failing)

    def _realtime_failing(self, event: llm.RealtimeAvailabilityChangedEvent) -> None:
        # noted when the model fails, before the swap's interruption changes the state
        if not event.available:
            self._reply_cut = self.session.agent_state in ("speaking", "thinking")

    def _realtime_swapped(self, _: object) -> None:
        reply_cut, self._reply_cut = self._reply_cut, False
        if self.opening is not None:
            self.opening.model_changed(reply_cut=reply_cut)

    def _model_changed(self, *_: object) -> None:
        if self.opening is not None:
            self.opening.model_changed()

    def _participant_identity(self) -> str | None:
        try:
            participant = self.session.room_io.linked_participant
        except RuntimeError:  # started without a room
            return None
        return participant.identity if participant is not None else None

    def _on_item(self, event: ConversationItemAddedEvent) -> None:
        if isinstance(event.item, llm.ChatMessage) and self.recorder is not None:
            self.recorder.on_message(event.item)

    async def _document_ready(self, document: Document) -> None:
        if self.agent is None:
            return
        chat_ctx = self.agent.chat_ctx.copy()
        chat_ctx.add_message(
            role="system",
            content=document_message(document.filename, document.upload_id, document.text),
        )
        await self.agent.update_chat_ctx(chat_ctx)
        if self.recorder is not None:
            self.recorder.snapshot.uploads.append(document.upload_id)
            self.recorder.request_snapshot()
        self.events.record(
            "document_added", {"uploadId": document.upload_id, "chars": len(document.text)}
        )
        self.session.say(f"Thanks, I've read {document.filename}.", add_to_chat_ctx=False)

    async def _document_rejected(self, filename: str, reason: str) -> None:
        self.events.record("document_rejected", {"filename": filename, "reason": reason})
        spoken = reason.replace("_", " ")
        self.session.say(f"Sorry, I couldn't use {filename}: {spoken}.", add_to_chat_ctx=False)

    def greet(self) -> None:
        """Open the call the way its plan says (a restored call says it is back)."""
        self.opening = OpeningGuard(self.session, self.plan.opening(self.restored))
        self.opening.say()

    async def close(self, timeout: float) -> None:
        """Flush transcripts and events, write the final snapshot, release clients."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        if self.recorder is not None:
            try:
                await asyncio.wait_for(self.recorder.close(), max(0.1, timeout / 3))
            except Exception as e:
                logger.warning("final snapshot failed", extra={"error": str(e)})
        delivered = await self.outbox.aclose(max(0.1, deadline - loop.time()))
        logger.info(
            "session closed",
            extra={
                "session_id": self.session_id,
                "delivered": self.outbox.delivered,
                "all_delivered": delivered,
            },
        )
        await self.api.aclose()
        await self.store.aclose()
        if self.handoff is not None:
            await self.handoff.aclose()
