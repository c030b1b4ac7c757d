"""The FastAPI application: hosted by Azure Functions in Azure, by uvicorn locally."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from functions.routes import (
    health,
    metrics,
    phone,
    sessions,
    tenants,
    tokens,
    uploads,
    webhooks,
)
from functions.routes.errors import install_error_handlers
from functions.services import ServiceHolder
from functions.settings import ApiSettings, get_settings

WEB_DIST = Path(__file__).resolve().parent.parent / "web" / "dist"

DESCRIPTION = """
Parley's HTTP API. Integrators mint LiveKit tokens, read sessions and transcripts and
upload documents; the LiveKit server posts webhooks; the agent writes transcripts.

Authenticate with `x-api-key`. Errors are JSON `{"error": code, "message": text}`.
"""


def create_app(settings: ApiSettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    holder = ServiceHolder(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await holder.close()

    app = FastAPI(
        title="Parley API",
        version="0.1.0",
        description=DESCRIPTION,
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.services = holder
    install_error_handlers(app)
    for module in (health, tokens, webhooks, sessions, uploads, tenants, metrics, phone):
        app.include_router(module.router, prefix="/api")
    if (WEB_DIST / "console").is_dir():
        # mounted before /app so the console is not also a path of the web client's mount
        console = StaticFiles(directory=WEB_DIST / "console", html=True)
        app.mount("/console", console, name="console")
    if WEB_DIST.is_dir():
        app.mount("/app", StaticFiles(directory=WEB_DIST, html=True), name="web")

        @app.get("/", include_in_schema=False)
        async def index() -> RedirectResponse:
            return RedirectResponse("/app/")

    logging.getLogger("azure").setLevel(logging.WARNING)
    return app
