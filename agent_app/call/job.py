"""One job = one room: plan the call, then carry the plan out.

The job learns who and what the call is (the dispatch, the tenant's profile, the room),
asks :func:`plan_call` for a plan, and runs it: the pipeline's models, the session, the
recorders, the lease, the file intake and the opening. Every choice lives in the plan.
"""

from __future__ import annotations

import asyncio
import logging

from livekit.agents import JobContext, inference, vad

from agent_app.api.client import ParleyApi
from agent_app.api.handoff import open_handoff
from agent_app.call import phone
from agent_app.call.dispatch import DispatchMetadata
from agent_app.call.job_end import end_job_with_session
from agent_app.call.pipelines import build_pipeline
from agent_app.call.plan import CallPlan, plan_call
from agent_app.call.room_events import RoomEventRecorder
from agent_app.call.session import ParleySession
from agent_app.call.tenant_profile import load_profile
from agent_app.documents.intake import FILES_TOPIC, UPLOADS_TOPIC
from agent_app.observability import redaction, telemetry
from agent_app.recovery.liveness import LeaseHolder, LivenessOptions, SessionLease
from agent_app.recovery.state import open_store
from agent_app.runtime import room_audio, session_record
from agent_app.settings import AgentSettings

logger = logging.getLogger("parley.agent.job")


async def entrypoint(ctx: JobContext) -> None:
    """The job: join the room, plan the call, run it and record everything about it."""
    settings: AgentSettings = ctx.proc.userdata.get("settings") or AgentSettings()
    redaction.install(settings)
    dispatch = DispatchMetadata.parse(ctx.job.metadata)
    api = ParleyApi(
        settings.parley_api_url,
        settings.parley_agent_key.get_secret_value(),
        timeout=settings.api_timeout_seconds,
        tenant=dispatch.tenant,
    )
    # the tenant's profile is fetched while the room connects, not after
    profile_fetch = asyncio.ensure_future(load_profile(api.tenant_profile, dispatch.tenant))
    # attached before connecting: participants and tracks already in the room are
    # announced while connecting, and must not be missed
    events = RoomEventRecorder()
    events.attach(ctx.room)
    await ctx.connect()
    for participant in ctx.room.remote_participants.values():
        # already there when we joined: the SDK announces no "connected" event for them
        events.on_participant_connected(participant)
    line = await phone.find_line(ctx, dispatch)
    plan = plan_call(settings, await profile_fetch, dispatch, line=line)
    await run_call(ctx, plan, api, events)


async def run_call(
    ctx: JobContext, plan: CallPlan, api: ParleyApi, events: RoomEventRecorder
) -> None:
    """Carry ``plan`` out in the connected room."""
    settings = plan.settings
    session_id = plan.session_id or await ctx.room.sid
    ctx.log_context_fields = {"session_id": session_id, "room": ctx.room.name}
    vad_model: vad.VAD = ctx.proc.userdata.get("vad") or inference.VAD()
    models = await build_pipeline(plan, vad_model)
    providers = models.cascade
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
        plan=plan,
        handoff=open_handoff(settings),
        realtime=models.realtime,
    )
    phone_call = (
        phone.PhoneCall(ctx, parley.session, plan.phone, events.record, settings)
        if plan.phone is not None
        else None
    )
    if phone_call is not None and plan.phone is not None and plan.phone.transfer_to:
        parley.transfer = phone_call.transfer
    agent = await parley.prepare()
    telemetry.watch_failovers((providers.stt, providers.llm, providers.tts), events.record)
    telemetry.session_started(parley.restored, events.record)
    if plan.restore_expected and not parley.restored:
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
    end_job_with_session(ctx, parley.session)
    if phone_call is not None:
        phone_call.attach()
    parley.greet()


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
