"""The agent's requests, as the agent's own code builds them, conform to docs/openapi.json,
and the API double refuses (and records) any request that does not."""

from __future__ import annotations

import httpx
from livekit.agents import llm

from agent_app.api.client import ApiError, ParleyApi
from agent_app.call.room_events import make_event
from agent_app.call.tenant_profile import load_profile
from agent_app.call.transcripts import to_segment
from harness.doubles import FakeParleyApi, serve
from harness.doubles.contract import api_contract

SID = "RM_contract01"


async def test_what_the_agent_sends_is_what_the_api_documents() -> None:
    fake = FakeParleyApi(profiles={"acme": {"persona": "Ada", "greeting": "Hi, Ada here."}})
    upload_id = fake.add_document(SID, "notes.txt", "The launch is on Tuesday.")
    user = llm.ChatMessage(role="user", content=["What is on Tuesday?"])
    answer = llm.ChatMessage(role="assistant", content=["The launch."], interrupted=True)
    segments = [
        to_segment(SID, 0, user, participant_identity="alice", language="en"),
        to_segment(SID, 1, answer),
    ]
    async with serve(fake.app()) as url:
        api = ParleyApi(url, "agent-key", tenant="acme")
        try:
            await api.post_transcript(SID, [s for s in segments if s is not None])
            await api.post_events(SID, [make_event(SID, "participant_connected", {"id": "a"})])
            await api.list_uploads(SID, include_text=True)
            await api.get_upload(SID, upload_id, include_text=False)
            profile = await load_profile(api.tenant_profile, "acme")
        finally:
            await api.aclose()
    assert fake.violations == []
    assert profile.greeting == "Hi, Ada here."
    assert len(fake.segments) == 2 and len(fake.events) == 1


async def test_a_request_the_api_would_refuse_is_a_recorded_violation() -> None:
    fake = FakeParleyApi()
    async with serve(fake.app()) as url:
        api = ParleyApi(url, "agent-key")
        try:
            bad_segment = {"id": "not-an-id", "role": "system", "text": "x", "turnIndex": -1}
            try:
                await api.post_transcript(SID, [bad_segment])
            except ApiError as error:
                assert error.status == 422
            else:
                raise AssertionError("the double accepted a segment the API refuses")
        finally:
            await api.aclose()
        async with httpx.AsyncClient(base_url=url) as raw:
            assert (await raw.get("/api/sessions/bad%20id/uploads")).status_code == 422
            assert (await raw.delete(f"/api/sessions/{SID}/transcript")).status_code == 422
    assert len(fake.violations) >= 4, fake.violations
    assert fake.segments == {}
    joined = "\n".join(fake.violations)
    assert "role" in joined or "'system'" in joined
    assert "no such operation" in joined


def test_the_checker_reads_parameters_by_their_schema() -> None:
    contract = api_contract()
    ok = contract.violations("GET", f"/api/sessions/{SID}/transcript", {"limit": "10"}, {}, b"")
    assert ok == []
    assert contract.violations("GET", f"/api/sessions/{SID}/transcript", {"limit": "0"}, {}, b"")
    assert contract.violations(
        "POST", f"/api/sessions/{SID}/events", {}, {"content-type": "application/json"}, b"{"
    )
