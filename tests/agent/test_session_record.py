"""A session keeps its events minus the usage snapshots (agent_app/runtime/session_record.py):
listeners still hear every event, the record keeps the conversation's, and it no
longer grows by a metrics event and a full usage copy per model call."""

from __future__ import annotations

from livekit.agents import AgentEvent, ConversationItemAddedEvent, SessionUsageUpdatedEvent, llm
from livekit.agents.metrics.usage import AgentSessionUsage

from agent_app.runtime import session_record
from harness.agent_helpers import offline_session
from harness.doubles import FakeParleyApi, serve


async def test_the_record_drops_usage_snapshots_and_keeps_the_conversation() -> None:
    fake = FakeParleyApi()
    heard: list[AgentEvent] = []
    async with serve(fake.app()) as url:
        parley = offline_session(url, "RM_record", "room-r")
        session = parley.session
        session.on("session_usage_updated", heard.append)
        await session.start(await parley.prepare())
        session_record.keep_lean(session)
        for text in ("hello there", "what time is it", "thanks a lot"):
            await session.run(user_input=text)
        record = list(session._recorded_events)
        await parley.close(5)
    assert any(isinstance(e, SessionUsageUpdatedEvent) for e in heard)  # still emitted
    assert not [e for e in record if isinstance(e, session_record.NOT_KEPT)]
    said = [e.item for e in record if isinstance(e, ConversationItemAddedEvent)]
    assert len(said) >= 6  # three user turns and three replies, in the record


def test_the_record_filters_every_way_of_adding() -> None:
    record = session_record.ReportEvents()
    usage = SessionUsageUpdatedEvent(usage=AgentSessionUsage(model_usage=[]))
    item = ConversationItemAddedEvent(item=llm.ChatMessage(role="user", content=["hi"]))
    record.append(usage)
    record.extend([usage, item])
    record.insert(0, usage)
    record.insert(0, item)
    assert record == [item, item]
