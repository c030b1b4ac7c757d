"""One job = one room: wire providers, tools, transcripts, state and room events."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from livekit.agents import (
    Agent,
    AgentSession,
    ConversationItemAddedEvent,
    JobContext,
    TurnHandlingOptions,
    inference,
    llm,
    vad,
)
from livekit.agents.voice.turn import TurnDetectionMode

from agent_app import redaction, room_audio, session_record, telemetry
from agent_app.api_client import ParleyApi
from agent_app.assistant import ParleyAssistant
from agent_app.conversation import ConversationRecorder, document_message, restore_chat
from agent_app.documents import Document
from agent_app.outbox import Outbox, OutboxOptions
from agent_app.providers.factory import Providers, build_providers
from agent_app.recovery.liveness import LeaseHolder, LivenessOptions, SessionLease
from agent_app.recovery.state import StateStore, open_store
from agent_app.room_events import RoomEventRecorder
from agent_app.settings import AgentSettings
from agent_app.tenant_profile import load_profile
from agent_app.uploads import FILES_TOPIC, UPLOADS_TOPIC, IntakeOptions, UploadIntake

logger = logging.getLogger("parley.agent.job")

GREETING = "Greet the user in one short sentence and offer help."
RESTORED = "Sorry, I lost you for a moment. I'm back, and I remember our conversation."


@dataclass(frozen=True)
class DispatchMetadata:
    """What a dispatch may say about the session (JSON in the job metadata)."""

    session_id: str | None = None
    """The Parley session to serve; defaults to the room SID."""
    restore: bool = False
    """Set by the recovery re-dispatch: a snapshot is expected."""
    tenant: str | None = None
    """The tenant whose call this is: its profile applies, its session is written."""

    @classmethod
    def parse(cls, raw: str | None) -> DispatchMetadata:
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            logger.warning("ignoring dispatch metadata that is not JSON")
            return cls()
        if not isinstance(data, dict):
            return cls()
        session_id = data.get("sessionId")
        return cls(
            session_id=str(session_id) if session_id else None,
            restore=bool(data.get("restore", False)),
            tenant=str(data["tenant"]) if data.get("tenant") else None,
        )


def turn_handling(settings: AgentSettings | None = None) -> TurnHandlingOptions:
    """End of turn by the local v1-mini model (dev mode would pick a cloud one) or, with
    ``TURN_DETECTION=vad``, by silence alone; the configured endpointing delays; VAD
    barge-in."""
    settings = settings or AgentSettings()
    detection: TurnDetectionMode = (
        inference.TurnDetector(version="v1-mini") if settings.turn_detection == "model" else "vad"
    )
    return TurnHandlingOptions(
        turn_detection=detection,
        endpointing={
            "min_delay": settings.min_endpointing_delay_seconds,
            "max_delay": settings.max_endpointing_delay_seconds,
        },
        interruption={"mode": "vad"},
    )


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
    ) -> None:
        self.settings = settings
        self.session_id = session_id
        self.api = api
        self.store = store
        spool = Path(settings.transcript_spool_dir) if settings.transcript_spool_dir else None
        self.outbox = Outbox(api, session_id, outbox_options or OutboxOptions(spool_dir=spool))
        self.session: AgentSession[None] = AgentSession(
            stt=providers.stt,
            llm=providers.llm,
            tts=providers.tts,
            vad=vad_model,
            turn_handling=turn_options if turn_options is not None else turn_handling(settings),
        )
        self.recorder: ConversationRecorder | None = None
        self.events = events or RoomEventRecorder()
        self.events.bind(session_id, lambda event: self.outbox.submit("event", event))
        self.intake = UploadIntake(
            api,
            session_id,
            room_name,
            on_ready=self._document_ready,
            on_rejected=self._document_rejected,
            options=intake_options or IntakeOptions(max_bytes=settings.upload_max_bytes),
        )
        self._room_name = room_name
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
        self.agent = ParleyAssistant(
            instructions=self.settings.persona_prompt(),
            list_uploads=lambda: self.api.list_uploads(self.session_id, include_text=True),
            chat_ctx=chat_ctx,
        )
        return self.agent

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

    def greet(self, greeting: str | None = None) -> None:
        if self.restored:
            self.session.say(RESTORED, add_to_chat_ctx=False)
        elif greeting:
            self.session.say(greeting)
        else:
            self.session.generate_reply(instructions=GREETING)

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


async def entrypoint(ctx: JobContext) -> None:
    """The job: join the room, start the voice session, record everything about it."""
    settings: AgentSettings = ctx.proc.userdata.get("settings") or AgentSettings()
    redaction.install(settings)
    metadata = DispatchMetadata.parse(ctx.job.metadata)
    api = ParleyApi(
        settings.parley_api_url,
        settings.parley_agent_key.get_secret_value(),
        timeout=settings.api_timeout_seconds,
        tenant=metadata.tenant,
    )
    # the tenant's profile is fetched while the room connects, not after
    profile_fetch = asyncio.ensure_future(load_profile(api.tenant_profile, metadata.tenant))
    # attached before connecting: participants and tracks already in the room are
    # announced while connecting, and must not be missed
    events = RoomEventRecorder()
    events.attach(ctx.room)
    await ctx.connect()
    for participant in ctx.room.remote_participants.values():
        # already there when we joined: the SDK announces no "connected" event for them
        events.on_participant_connected(participant)
    session_id = metadata.session_id or await ctx.room.sid
    ctx.log_context_fields = {"session_id": session_id, "room": ctx.room.name}

    profile = await profile_fetch
    settings = profile.apply(settings)
    vad_model: vad.VAD = ctx.proc.userdata.get("vad") or inference.VAD()
    providers = await build_providers(settings, vad_model)
    redis_url = settings.redis_url.get_secret_value() if settings.redis_url else None
    parley = ParleySession(
        settings=settings,
        session_id=session_id,
        room_name=ctx.room.name,
        api=api,
        store=open_store(redis_url, settings.state_ttl_seconds, settings.azure_client_id),
        providers=providers,
        vad_model=vad_model,
        events=events,
    )
    agent = await parley.prepare()
    telemetry.watch_failovers((providers.stt, providers.llm, providers.tts), events.record)
    telemetry.session_started(parley.restored, events.record)
    if metadata.restore and not parley.restored:
        logger.warning("restore requested but no snapshot found")
    lease = await _hold_lease(settings, session_id, ctx)

    events.add_data_handler(UPLOADS_TOPIC, parley.intake.on_data)
    ctx.room.register_byte_stream_handler(FILES_TOPIC, parley.intake.on_byte_stream)

    async def on_shutdown(reason: str) -> None:
        logger.info("job shutting down", extra={"reason": reason})
        if lease is not None:
            await asyncio.to_thread(lease.release)
        await parley.close(max(1.0, settings.job_shutdown_timeout_seconds - 1.0))

    ctx.add_shutdown_callback(on_shutdown)
    # session_host=False: no remote session over the room, which would let a participant
    # observe and drive this session, and costs a data-stream write per session event
    await parley.session.start(
        agent=agent, room=ctx.room, room_options=room_audio.room_options(), session_host=False
    )
    session_record.keep_lean(parley.session)  # after start, which begins the record
    parley.greet(profile.greeting)


async def _hold_lease(
    settings: AgentSettings, session_id: str, ctx: JobContext
) -> SessionLease | None:
    """With Redis, a lease that lets another worker notice quickly if this process dies."""
    if settings.redis_url is None:
        return None
    lease = SessionLease(
        settings.redis_url.get_secret_value(),
        LeaseHolder(session_id, ctx.room.name, ctx.room.local_participant.identity),
        LivenessOptions.for_ttl(
            settings.agent_lease_ttl_seconds, settings.state_ttl_seconds, settings.azure_client_id
        ),
    )
    try:
        await asyncio.to_thread(lease.acquire)
    except Exception as e:
        # recovery gets slower (LiveKit's own timeout), the call itself is unaffected
        logger.warning("could not take the session lease", extra={"error": str(e)})
        return None
    return lease
