"""Everything a request handler needs, built once per process on first use."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from azure.core.credentials_async import AsyncTokenCredential
from azure.storage.blob.aio import BlobServiceClient
from livekit import api

from functions.core.clients import (
    CosmosContainers,
    make_credential,
    open_blob_service,
    open_cosmos,
    provision,
)
from functions.core.livekit_gateway import LiveKitGateway
from functions.core.ratelimit import SlidingWindowLimiter
from functions.phone.numbers import PhoneNumbers
from functions.sessions.ownership import SessionOwners
from functions.sessions.store import SessionStore
from functions.sessions.transcripts import TranscriptStore
from functions.settings import ApiSettings
from functions.tenants.profiles import TenantProfiles
from functions.tokens.room_claims import RoomClaims
from functions.tokens.room_names import RoomNames
from functions.uploads.documents import DocumentPolicy
from functions.uploads.sas import UploadSasIssuer
from functions.uploads.service import UploadService, notifier_for

UPLOAD_TOPIC = "parley.uploads"

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: ApiSettings
    cosmos: CosmosContainers
    blob_service: BlobServiceClient
    credential: AsyncTokenCredential | None
    sessions: SessionStore
    owners: SessionOwners
    room_claims: RoomClaims
    room_names: RoomNames
    profiles: TenantProfiles
    transcripts: TranscriptStore
    uploads: UploadService
    livekit: LiveKitGateway
    token_limiter: SlidingWindowLimiter
    webhook_receiver: api.WebhookReceiver
    phone_numbers: PhoneNumbers
    background: set[asyncio.Task[None]] = field(default_factory=set)

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run work beside the request; keep a reference so it is not collected."""
        task = asyncio.create_task(coro)
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def close(self) -> None:
        for task in list(self.background):
            task.cancel()
        await self.livekit.close()
        await self.cosmos.client.close()
        await self.blob_service.close()
        if self.credential is not None:
            await self.credential.close()


async def build_services(settings: ApiSettings) -> Services:
    needs_identity = settings.cosmos_key is None or settings.storage_connection_string is None
    credential = make_credential(settings) if needs_identity else None
    cosmos = await open_cosmos(settings, credential)
    blob_service = open_blob_service(settings, credential)
    container = blob_service.get_container_client(settings.uploads_container)
    if settings.storage_connection_string is not None:
        # Local emulator only; in Azure the Bicep creates the container.
        if not await container.exists():
            await container.create_container()
    gateway = LiveKitGateway(settings)
    policy = DocumentPolicy(
        max_bytes=settings.upload_max_bytes,
        allowed_types=frozenset(settings.upload_allowed_types),
    )

    async def send_upload_notice(room: str, payload: dict[str, object]) -> None:
        await gateway.send_json(room, UPLOAD_TOPIC, dict(payload))

    uploads = UploadService(
        cosmos.uploads,
        container,
        UploadSasIssuer(blob_service, settings.uploads_container, settings.storage_public_url),
        policy,
        timedelta(seconds=settings.upload_sas_ttl_seconds),
        notify=notifier_for(send_upload_notice),
    )
    return Services(
        settings=settings,
        cosmos=cosmos,
        blob_service=blob_service,
        credential=credential,
        sessions=SessionStore(cosmos.sessions),
        owners=SessionOwners(cosmos.sessions),
        room_claims=RoomClaims(
            cosmos.sessions, gateway.room_exists, timedelta(seconds=settings.token_ttl_seconds)
        ),
        room_names=RoomNames(settings.livekit_api_secret.get_secret_value()),
        profiles=TenantProfiles(cosmos.sessions),
        transcripts=TranscriptStore(
            cosmos.transcripts, use_transactional_batch=not cosmos.emulator
        ),
        uploads=uploads,
        livekit=gateway,
        token_limiter=SlidingWindowLimiter(settings.token_rate_limit_per_minute, 60.0),
        webhook_receiver=api.WebhookReceiver(
            api.TokenVerifier(
                settings.livekit_api_key, settings.livekit_api_secret.get_secret_value()
            )
        ),
        phone_numbers=PhoneNumbers(gateway.sip, settings.agent_name),
    )


class ServiceHolder:
    """Builds the services on first use (works under uvicorn and under the Functions host)."""

    def __init__(self, settings: ApiSettings) -> None:
        self.settings = settings
        self._services: Services | None = None
        self._lock = asyncio.Lock()
        self._recovering = asyncio.Lock()

    async def get(self) -> Services:
        if self._services is None:
            async with self._lock:
                if self._services is None:
                    self._services = await build_services(self.settings)
        return self._services

    async def recover_store(self) -> bool:
        """Create the local emulator's database and containers again after it came back
        empty (in Azure the Bicep owns them: nothing to do). One attempt at a time, bounded
        by the request timeout; True when the store was provisioned."""
        services = self._services
        if services is None or not services.cosmos.emulator:
            return False
        if self._recovering.locked():
            return False  # another request is on it
        async with self._recovering:
            try:
                await asyncio.wait_for(
                    provision(services.cosmos.client, self.settings.cosmos_database),
                    self.settings.request_timeout_seconds,
                )
            except Exception as exc:
                log.warning("could not provision the store again: %s", type(exc).__name__)
                return False
        log.warning("the store came back empty: database and containers created again")
        return True

    async def close(self) -> None:
        if self._services is not None:
            await self._services.close()
            self._services = None
