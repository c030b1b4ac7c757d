"""The API app for ``bench.token_path``: as shipped, or (``BENCH_TOKEN_SIGNING_ONLY=1``)
with room claims taken out, so the same process measures signing and HTTP alone.

    uvicorn bench.token_api:create_app --factory
"""

from __future__ import annotations

import os

from fastapi import FastAPI

from functions.app import create_app as create_api
from functions.tokens.room_claims import RoomClaims


async def _no_claim(self: RoomClaims, room: str, tenant: str) -> None:
    return None


def create_app() -> FastAPI:
    if os.environ.get("BENCH_TOKEN_SIGNING_ONLY") == "1":
        RoomClaims.claim = _no_claim  # type: ignore[method-assign]
    return create_api()
