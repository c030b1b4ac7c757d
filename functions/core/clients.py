"""Construction of the Azure SDK clients: keyless in Azure, keys only for local emulators."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

from azure.core.credentials_async import AsyncTokenCredential
from azure.cosmos import PartitionKey
from azure.cosmos.aio import ContainerProxy, CosmosClient, DatabaseProxy
from azure.identity.aio import DefaultAzureCredential
from azure.storage.blob.aio import BlobServiceClient

from functions.settings import ApiSettings

SESSIONS = "sessions"
TRANSCRIPTS = "transcripts"
UPLOADS = "uploads"
CONTAINERS = (SESSIONS, TRANSCRIPTS, UPLOADS)


def _is_local(url: str) -> bool:
    host = urlparse(url).hostname or ""
    return host in {"localhost", "127.0.0.1", "::1"}


def make_credential(settings: ApiSettings) -> AsyncTokenCredential:
    """Managed identity in Azure (user-assigned when AZURE_CLIENT_ID is set)."""
    return DefaultAzureCredential(managed_identity_client_id=settings.azure_client_id)


@dataclass
class CosmosContainers:
    client: CosmosClient
    sessions: ContainerProxy
    transcripts: ContainerProxy
    uploads: ContainerProxy
    emulator: bool


async def open_cosmos(
    settings: ApiSettings, credential: AsyncTokenCredential | None
) -> CosmosContainers:
    """Open the three containers. Locally (a key is configured) create them first;
    in Azure the Bicep owns them and the data-plane role cannot create containers."""
    if not settings.cosmos_endpoint:
        raise RuntimeError("COSMOS_ENDPOINT is not set")
    timeout = int(settings.request_timeout_seconds)
    emulator = settings.cosmos_key is not None
    if emulator:
        assert settings.cosmos_key is not None
        client = CosmosClient(
            settings.cosmos_endpoint,
            credential=settings.cosmos_key.get_secret_value(),
            # The local emulator serves a self-signed certificate.
            connection_verify=not _is_local(settings.cosmos_endpoint),
            connection_timeout=timeout,
            timeout=timeout,
            retry_total=3,
        )
        database = await provision(client, settings.cosmos_database)
    else:
        if credential is None:
            raise RuntimeError("a credential is required without a Cosmos key")
        client = CosmosClient(
            settings.cosmos_endpoint,
            credential=credential,
            connection_timeout=timeout,
            timeout=timeout,
            retry_total=3,
        )
        database = client.get_database_client(settings.cosmos_database)
    return CosmosContainers(
        client=client,
        sessions=database.get_container_client(SESSIONS),
        transcripts=database.get_container_client(TRANSCRIPTS),
        uploads=database.get_container_client(UPLOADS),
        emulator=emulator,
    )


async def provision(client: CosmosClient, database_name: str) -> DatabaseProxy:
    """Create the database and its containers where missing (the local emulator only: in
    Azure the Bicep owns them). Idempotent, so it also recovers an emulator that came back
    empty after a restart."""
    database = await client.create_database_if_not_exists(database_name)
    for name in CONTAINERS:
        await database.create_container_if_not_exists(
            name, partition_key=PartitionKey("/sessionId")
        )
    return database


def open_blob_service(
    settings: ApiSettings, credential: AsyncTokenCredential | None
) -> BlobServiceClient:
    timeout = int(settings.request_timeout_seconds)
    if settings.storage_connection_string is not None:
        return BlobServiceClient.from_connection_string(
            settings.storage_connection_string.get_secret_value(),
            connection_timeout=timeout,
            read_timeout=timeout,
            retry_total=3,
        )
    if not settings.storage_account_url:
        raise RuntimeError("STORAGE_ACCOUNT_URL is not set")
    if credential is None:
        raise RuntimeError("a credential is required without a storage connection string")
    return BlobServiceClient(
        settings.storage_account_url,
        credential=credential,
        connection_timeout=timeout,
        read_timeout=timeout,
        retry_total=3,
    )
