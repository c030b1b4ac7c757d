"""Files from the room go through the real upload API; ready text reaches the conversation."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
from livekit import rtc

from agent_app.api.client import ParleyApi
from agent_app.documents.intake import IntakeOptions, UploadIntake
from agent_app.documents.search import Document
from harness.waiting import wait_for

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


class Outcomes:
    def __init__(self) -> None:
        self.ready: list[Document] = []
        self.rejected: list[tuple[str, str]] = []

    async def on_ready(self, doc: Document) -> None:
        self.ready.append(doc)

    async def on_rejected(self, filename: str, reason: str) -> None:
        self.rejected.append((filename, reason))


def _intake(api: ParleyApi, session_id: str, outcomes: Outcomes) -> UploadIntake:
    return UploadIntake(
        api,
        session_id,
        "room-up",
        on_ready=outcomes.on_ready,
        on_rejected=outcomes.on_rejected,
        options=IntakeOptions(max_bytes=1024 * 1024, poll_interval=0.1, poll_timeout=10),
    )


async def test_room_file_is_stored_processed_and_read(live_api: Any) -> None:
    sid = f"RM_{uuid.uuid4().hex[:12]}"
    api = ParleyApi(live_api.base_url, live_api.agent_key)
    outcomes = Outcomes()
    intake = _intake(api, sid, outcomes)
    upload = await intake.store("notes.txt", "text/plain", b"The launch is on March 3.\n")
    await api.aclose()
    assert upload["status"] == "ready"
    assert [d.filename for d in outcomes.ready] == ["notes.txt"]
    assert "March 3" in outcomes.ready[0].text
    assert outcomes.ready[0].upload_id in intake.announced


async def test_disguised_file_is_rejected_and_reported(live_api: Any) -> None:
    sid = f"RM_{uuid.uuid4().hex[:12]}"
    api = ParleyApi(live_api.base_url, live_api.agent_key)
    outcomes = Outcomes()
    upload = await _intake(api, sid, outcomes).store("notes.txt", "text/plain", PNG)
    await api.aclose()
    assert upload["status"] == "rejected"
    assert outcomes.rejected and outcomes.rejected[0][0] == "notes.txt" and not outcomes.ready


async def test_refused_type_is_reported_before_storing(live_api: Any) -> None:
    sid = f"RM_{uuid.uuid4().hex[:12]}"
    api = ParleyApi(live_api.base_url, live_api.agent_key)
    outcomes = Outcomes()
    await _intake(api, sid, outcomes).store("tool.exe", "application/x-msdownload", b"MZ" * 10)
    await api.aclose()
    assert outcomes.rejected and outcomes.rejected[0][0] == "tool.exe"


async def test_integrator_upload_ready_message_adds_the_document_once(live_api: Any) -> None:
    sid = f"RM_{uuid.uuid4().hex[:12]}"
    # the integrator's own upload, straight to the API and Blob Storage
    async with httpx.AsyncClient(
        base_url=live_api.base_url, headers={"x-api-key": live_api.api_key}, timeout=10
    ) as client:
        body = b"Quarterly revenue grew by 12 percent."
        ticket = (
            await client.post(
                f"/api/sessions/{sid}/uploads",
                json={"filename": "q3.md", "contentType": "text/markdown", "size": len(body)},
            )
        ).json()
        put = await client.put(ticket["uploadUrl"], content=body, headers=ticket["requiredHeaders"])
        assert put.status_code in (200, 201), put.text
        done = await client.post(f"/api/sessions/{sid}/uploads/{ticket['uploadId']}/complete")
        assert done.json()["status"] == "ready"

    api = ParleyApi(live_api.base_url, live_api.agent_key)
    outcomes = Outcomes()
    intake = _intake(api, sid, outcomes)
    message = {"type": "upload.ready", "sessionId": sid, "uploadId": ticket["uploadId"]}
    packet = rtc.DataPacket(
        data=json.dumps(message).encode(),
        kind=rtc.DataPacketKind.KIND_RELIABLE,
        participant=None,
        topic="parley.uploads",
    )
    intake.on_data(packet)
    intake.on_data(packet)
    await wait_for(lambda: len(outcomes.ready) == 1, what="the document")
    await intake.wait_idle()
    await api.aclose()
    assert len(outcomes.ready) == 1 and "12 percent" in outcomes.ready[0].text


async def test_oversized_stream_is_refused_without_storing() -> None:
    outcomes = Outcomes()

    class NoApi:
        async def create_upload(self, *args: Any, **kwargs: Any) -> Any:
            raise AssertionError("must not store")

    intake = UploadIntake(
        NoApi(),  # type: ignore[arg-type]
        "RM_big",
        "room",
        on_ready=outcomes.on_ready,
        on_rejected=outcomes.on_rejected,
        options=IntakeOptions(max_bytes=10),
    )

    class Reader:
        info = rtc.ByteStreamInfo(
            stream_id="s",
            mime_type="text/plain",
            topic="files",
            timestamp=0,
            size=None,
            attributes={},
            name="big.txt",
        )

        def __aiter__(self) -> Any:
            async def chunks() -> Any:
                for _ in range(5):
                    yield b"0123456789"

            return chunks()

    intake.on_byte_stream(Reader(), "user-1")  # type: ignore[arg-type]
    await intake.wait_idle()
    assert outcomes.rejected == [("big.txt", "too_large")]
