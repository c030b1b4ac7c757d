"""docs/openapi.json is the committed contract: the app must serve exactly that document."""

from __future__ import annotations

import json

import httpx

from functions.openapi import DOCUMENT, openapi_document, render


def test_the_committed_document_matches_the_app() -> None:
    assert DOCUMENT.is_file(), "docs/openapi.json is missing: run `make openapi`"
    committed = DOCUMENT.read_text(encoding="utf-8")
    assert committed == render(openapi_document()), (
        "The API changed its contract: review the change, then run `make openapi` and commit "
        "docs/openapi.json."
    )


async def test_the_served_document_is_the_committed_one(client: httpx.AsyncClient) -> None:
    served = (await client.get("/api/openapi.json")).json()
    assert served == json.loads(DOCUMENT.read_text(encoding="utf-8"))
