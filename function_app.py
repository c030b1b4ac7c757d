"""Azure Functions entry point (Python v2 model).

One ASGI function serves the whole HTTP API; an Event Grid-sourced blob trigger runs
upload processing when a file lands in the uploads container.
"""

from __future__ import annotations

import logging

import azure.functions as func

from functions.app import create_app
from functions.core.telemetry import configure_telemetry
from functions.settings import get_settings
from functions.uploads.blob_events import process_uploaded_blob

configure_telemetry(get_settings())
fastapi_app = create_app()
app = func.AsgiFunctionApp(app=fastapi_app, http_auth_level=func.AuthLevel.ANONYMOUS)


@app.blob_trigger(
    arg_name="blob",
    path="uploads/{name}",
    connection="AzureWebJobsStorage",
    source=func.BlobSource.EVENT_GRID,
)
async def upload_landed(blob: func.InputStream) -> None:
    """Process an upload as soon as its blob is written (no client call needed)."""
    await process_uploaded_blob(fastapi_app.state.services, blob.name or "")
    logging.info("processed upload blob %s", blob.name)
