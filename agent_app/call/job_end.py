"""A call that ends normally ends its LiveKit job normally.

livekit-agents 1.8.9 reports a job's success to the server only after the job process
has left the room and exited; the server sees the agent leave a room while its job still
runs first, and records the job as failed ("agent worker left the room"), even after a
clean goodbye. So a clean end goes the other way round: the job deletes its own dispatch,
the server ends the job as succeeded and asks the worker to shut it down, and the agent
leaves the room only then. Should the server not answer, the job shuts itself down
after a bounded wait, as before.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from livekit import rtc
from livekit.agents import AgentSession, CloseEvent, CloseReason, JobContext
from livekit.agents.voice.room_io.types import DEFAULT_CLOSE_ON_DISCONNECT_REASONS

logger = logging.getLogger("parley.agent.job_end")

CLEAN_ENDS = frozenset({CloseReason.USER_INITIATED})
"""Session ends that are the call's own while the user is still there (a goodbye)."""
HANG_UPS = frozenset(DEFAULT_CLOSE_ON_DISCONNECT_REASONS)
"""Ways a user leaves that mean the call is over (not a network drop it may resume)."""
DELETE_TIMEOUT_S = 5.0
"""Bound on the server call that deletes the dispatch."""
SHUTDOWN_WAIT_S = 5.0
"""How long the server's termination has to reach the job before it ends itself
(the server waits up to 3 s for the agent to leave before removing it)."""


def end_job_with_session(ctx: JobContext, session: AgentSession[Any]) -> None:
    """End the job through the server when the last user hangs up (at once: the server
    closes an agent-only room after its departure timeout, which would fail the job too)
    or the session closes on its own (a goodbye)."""
    ending: list[asyncio.Task[None]] = []

    def end(reason: str) -> None:
        if not ending:  # once, whichever comes first
            ending.append(asyncio.create_task(end_job(ctx, reason)))

    def on_participant_disconnected(participant: rtc.RemoteParticipant) -> None:
        if participant.disconnect_reason not in HANG_UPS:
            return
        users = [p for p in ctx.room.remote_participants.values() if not _is_agent(p)]
        if not _is_agent(participant) and not users:
            end("user hung up")

    def on_close(event: CloseEvent) -> None:
        if event.reason in CLEAN_ENDS:
            end(event.reason.value)

    ctx.room.on("participant_disconnected", on_participant_disconnected)
    session.on("close", on_close)


def _is_agent(participant: rtc.RemoteParticipant) -> bool:
    return participant.kind == rtc.ParticipantKind.PARTICIPANT_KIND_AGENT


async def end_job(ctx: JobContext, reason: str) -> None:
    """Delete this job's dispatch (the server ends the job as succeeded and shuts it
    down); shut down here if that does not happen within ``SHUTDOWN_WAIT_S``."""
    left = asyncio.Event()
    ctx.room.on("disconnected", lambda *_: left.set())
    if await _delete_own_dispatch(ctx, reason):
        try:
            await asyncio.wait_for(left.wait(), SHUTDOWN_WAIT_S)
            return
        except TimeoutError:
            logger.warning("the server did not end the job in time; ending it here")
    ctx.shutdown(reason=reason)


async def _delete_own_dispatch(ctx: JobContext, reason: str) -> bool:
    dispatch_id = ctx.job.dispatch_id
    if not dispatch_id or not ctx.room.isconnected():
        return False
    try:
        await asyncio.wait_for(
            ctx.api.agent_dispatch.delete_dispatch(dispatch_id, ctx.room.name), DELETE_TIMEOUT_S
        )
    except Exception as e:
        logger.warning(
            "could not end the job through the server; ending it here",
            extra={"reason": reason, "error": str(e) or type(e).__name__},
        )
        return False
    logger.info("call ended: job ended through its dispatch", extra={"reason": reason})
    return True
