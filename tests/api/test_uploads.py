"""Uploads end to end through real Azurite and the Cosmos emulator."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from pypdf import PdfWriter

from functions.uploads.blob_events import parse_blob_path, process_uploaded_blob
from harness.api import AGENT, INTEGRATOR

TEXT = b"Parley keeps the meeting notes here.\nThe launch is on Tuesday.\n"


def new_sid() -> str:
    return f"RM_{uuid.uuid4().hex[:12]}"


async def create(
    client: httpx.AsyncClient,
    sid: str,
    filename: str,
    content_type: str,
    size: int,
    headers: dict[str, str] = INTEGRATOR,
) -> httpx.Response:
    return await client.post(
        f"/api/sessions/{sid}/uploads",
        json={"filename": filename, "contentType": content_type, "size": size},
        headers=headers,
    )


async def put_blob(ticket: dict[str, Any], data: bytes) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as raw:
        return await raw.put(ticket["uploadUrl"], content=data, headers=ticket["requiredHeaders"])


async def upload(
    client: httpx.AsyncClient,
    sid: str,
    filename: str,
    content_type: str,
    data: bytes,
    declared_size: int | None = None,
) -> dict[str, Any]:
    resp = await create(client, sid, filename, content_type, declared_size or len(data))
    assert resp.status_code == 201, resp.text
    ticket = resp.json()
    assert (await put_blob(ticket, data)).status_code == 201
    done = await client.post(
        f"/api/sessions/{sid}/uploads/{ticket['uploadId']}/complete", headers=INTEGRATOR
    )
    assert done.status_code == 200, done.text
    result: dict[str, Any] = done.json()
    return result


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


async def test_text_upload_becomes_ready_with_its_text(client: httpx.AsyncClient) -> None:
    sid = new_sid()
    result = await upload(client, sid, "notes.txt", "text/plain", TEXT)
    assert result["status"] == "ready"
    assert result["detectedType"] in ("text", "txt")
    assert "text" not in result or result["text"] is None
    full = await client.get(
        f"/api/sessions/{sid}/uploads/{result['uploadId']}",
        params={"includeText": "true"},
        headers=AGENT,
    )
    assert "launch is on Tuesday" in full.json()["text"]
    listing = await client.get(f"/api/sessions/{sid}/uploads", headers=INTEGRATOR)
    assert [u["uploadId"] for u in listing.json()["items"]] == [result["uploadId"]]


async def test_sas_is_write_only_single_blob_and_short_lived(client: httpx.AsyncClient) -> None:
    sid = new_sid()
    ticket = (await create(client, sid, "a.txt", "text/plain", len(TEXT))).json()
    url = urlparse(ticket["uploadUrl"])
    query = parse_qs(url.query)
    assert set(query["sp"][0]) <= {"c", "w"}
    expires = datetime.fromisoformat(ticket["expiresAt"].replace("Z", "+00:00"))
    assert 0 < (expires - datetime.now(UTC)).total_seconds() <= 15 * 60
    assert sid not in url.path.split("/")[-1]  # the blob name is the upload id, not the file name
    assert (await put_blob(ticket, TEXT)).status_code == 201
    async with httpx.AsyncClient(timeout=10) as raw:
        read = await raw.get(ticket["uploadUrl"])
        assert read.status_code == 403
        elsewhere = ticket["uploadUrl"].replace(ticket["uploadId"], "0" * 24)
        put_elsewhere = await raw.put(elsewhere, content=b"x", headers=ticket["requiredHeaders"])
        assert put_elsewhere.status_code == 403


async def test_declared_metadata_is_checked_up_front(client: httpx.AsyncClient) -> None:
    sid = new_sid()
    too_big = await create(client, sid, "big.pdf", "application/pdf", 2 * 1024 * 1024)
    assert too_big.status_code == 413
    assert too_big.json()["error"] == "too_large"
    exe = await create(client, sid, "setup.exe", "application/x-msdownload", 100)
    assert exe.status_code == 415
    for name in ("../../etc/passwd.txt", "a/b.txt", "bad\x00name.txt", "evil\u202etxt.exe"):
        resp = await create(client, sid, name, "text/plain", 10)
        assert resp.status_code in (415, 422), name
        assert set(resp.json()) == {"error", "message"}
    assert (await create(client, sid, "a.txt", "text/plain", 0)).status_code == 422
    listing = await client.get(f"/api/sessions/{sid}/uploads", headers=INTEGRATOR)
    assert listing.json()["items"] == []


@pytest.mark.parametrize(
    ("filename", "content_type", "data", "declared", "code"),
    [
        ("report.txt", "text/plain", b"%PDF-1.7\n" + b"\x00\x01binary" * 50, None, "type_mismatch"),
        ("notes.txt", "text/plain", TEXT, len(TEXT) + 7, "size_mismatch"),
        ("locked.pdf", "application/pdf", encrypted_pdf(), None, "encrypted"),
        ("broken.pdf", "application/pdf", encrypted_pdf()[:120], None, "damaged"),
        ("data.json", "application/json", b'{"unterminated": ', None, None),
        ("huge.txt", "text/plain", b"a" * (1024 * 1024 + 10), 100, None),
    ],
)
async def test_hostile_files_end_rejected_with_a_reason(
    client: httpx.AsyncClient,
    filename: str,
    content_type: str,
    data: bytes,
    declared: int | None,
    code: str | None,
) -> None:
    result = await upload(client, new_sid(), filename, content_type, data, declared)
    assert result["status"] == "rejected"
    assert result["reason"]
    if code is not None:
        assert result["reasonCode"] == code


async def test_complete_before_put_then_retry(client: httpx.AsyncClient) -> None:
    sid = new_sid()
    ticket = (await create(client, sid, "later.md", "text/markdown", len(TEXT))).json()
    url = f"/api/sessions/{sid}/uploads/{ticket['uploadId']}/complete"
    early = await client.post(url, headers=INTEGRATOR)
    assert early.status_code == 409
    assert early.json()["error"] == "upload_not_received"
    status = await client.get(
        f"/api/sessions/{sid}/uploads/{ticket['uploadId']}", headers=INTEGRATOR
    )
    assert status.json()["status"] == "pending"
    await put_blob(ticket, TEXT)
    first = await client.post(url, headers=INTEGRATOR)
    again = await client.post(url, headers=INTEGRATOR)
    assert first.json()["status"] == again.json()["status"] == "ready"
    assert first.json()["processedAt"] == again.json()["processedAt"]


async def test_unknown_upload_is_404(client: httpx.AsyncClient) -> None:
    resp = await client.post(
        f"/api/sessions/{new_sid()}/uploads/{'a' * 24}/complete", headers=INTEGRATOR
    )
    assert resp.status_code == 404
    assert resp.json()["error"] == "upload_not_found"


async def test_blob_trigger_runs_the_same_processor(client: httpx.AsyncClient) -> None:
    sid = new_sid()
    ticket = (await create(client, sid, "t.csv", "text/csv", 18)).json()
    await put_blob(ticket, b"a,b,c\n1,2,3\n4,5,6\n")
    app = client._transport.app  # type: ignore[attr-defined]
    await process_uploaded_blob(app.state.services, f"uploads/{sid}/{ticket['uploadId']}")
    got = await client.get(f"/api/sessions/{sid}/uploads/{ticket['uploadId']}", headers=INTEGRATOR)
    assert got.json()["status"] == "ready"
    assert got.json()["detectedType"] == "csv"


def test_blob_paths_outside_the_layout_are_ignored() -> None:
    assert parse_blob_path("uploads/RM_1/abc", "uploads") == ("RM_1", "abc")
    assert parse_blob_path("uploads/abc", "uploads") is None
    assert parse_blob_path("uploads/a/b/c", "uploads") is None
