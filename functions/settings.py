"""The API's one typed settings object, read from the environment.

Fields marked ``json_schema_extra={"azure": False}`` exist only for local development
(emulators, loopback auth); everything else must be supplied by the Bicep app settings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator
from pydantic.config import JsonDict
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

LOCAL_ONLY: JsonDict = {"azure": False}
DEFAULT_TENANT = "default"
TENANT_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"
_TENANT_RE = re.compile(TENANT_PATTERN)


def _local_only(default: Any, description: str) -> Any:
    """A field that exists only for local development, so Bicep never has to supply it."""
    return Field(default=default, description=description, json_schema_extra=LOCAL_ONLY)


@dataclass(frozen=True)
class TenantKey:
    """An integrator key and the tenant it belongs to."""

    tenant: str
    key: SecretStr


def tenant_key(entry: SecretStr) -> TenantKey:
    """``tenant=key`` names its tenant; anything else is a bare key of the default tenant.

    Only a prefix that is a valid tenant name counts, so a bare key that merely contains
    ``=`` after other characters stays whole (write it as ``default=<key>`` to be sure).
    """
    tenant, sep, key = entry.get_secret_value().partition("=")
    if sep and key and _TENANT_RE.match(tenant):
        return TenantKey(tenant, SecretStr(key))
    return TenantKey(DEFAULT_TENANT, entry)


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class ApiSettings(BaseSettings):
    """Configuration of the HTTP API (Function App in Azure, uvicorn locally)."""

    # Empty values count as unset, so `.env` can blank out a `dev.env` default.
    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", env_ignore_empty=True)

    parley_api_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description=(
            "Integrator API keys accepted in `x-api-key` (comma-separated); an entry "
            "`tenant=key` names the key's tenant, a bare key belongs to tenant `default`."
        ),
    )
    parley_agent_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description="Agent credentials (distinct from integrator keys) for transcript writes.",
    )
    livekit_url: str = Field(
        default="ws://127.0.0.1:7880",
        description="LiveKit server URL handed to clients (ws:// or wss://).",
    )
    livekit_api_key: str = Field(default="devkey", description="LiveKit API key.")
    livekit_api_secret: SecretStr = Field(
        default=SecretStr("secret"),
        description="LiveKit API secret (signs tokens, verifies webhooks).",
    )
    agent_name: str = Field(default="parley-agent", description="Agent name to dispatch.")
    token_ttl_seconds: int = Field(default=900, ge=60, le=86_400, description="Token lifetime.")
    token_rate_limit_per_minute: int = Field(
        default=30, ge=1, description="Tokens one identity may obtain per minute."
    )
    easy_auth_enabled: bool = Field(
        default=False,
        description=(
            "Trust `x-ms-client-principal` (only when App Service Authentication fronts the app)."
        ),
    )
    easy_auth_tenant: str = Field(
        default=DEFAULT_TENANT,
        pattern=TENANT_PATTERN,
        description="The tenant that Easy Auth users (and loopback developers) belong to.",
    )
    loopback_dev_auth: bool = _local_only(
        False,
        "Let unauthenticated loopback callers mint tokens and read sessions (the web "
        "client and console under local `make up` only).",
    )
    cosmos_endpoint: str = Field(
        default="", description="Cosmos DB account endpoint (keyless via managed identity)."
    )
    cosmos_key: SecretStr | None = _local_only(None, "Cosmos key; only for the local emulator.")
    cosmos_database: str = Field(default="parley", description="Cosmos database name.")
    storage_account_url: str = Field(
        default="", description="Blob endpoint, e.g. https://<account>.blob.core.windows.net."
    )
    storage_connection_string: SecretStr | None = _local_only(
        None, "Blob connection string; only for the local emulator (Azurite)."
    )
    storage_public_url: str | None = _local_only(
        None, "Blob endpoint as clients reach it, when it differs from the API's view."
    )
    uploads_container: str = Field(default="uploads", description="Blob container for uploads.")
    upload_max_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1, description="Largest accepted upload in bytes."
    )
    upload_allowed_types: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["txt", "md", "csv", "json", "pdf", "docx"],
        description="Accepted document kinds (comma-separated).",
    )
    upload_sas_ttl_seconds: int = Field(
        default=600, ge=60, le=900, description="Upload SAS lifetime (at most 15 minutes)."
    )
    azure_client_id: str | None = Field(
        default=None, description="Client id of the user-assigned managed identity."
    )
    applicationinsights_connection_string: str | None = Field(
        default=None, description="App Insights connection string; telemetry is off without it."
    )
    request_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Timeout for each call to Cosmos, Blob and LiveKit."
    )

    @field_validator("parley_api_keys", "parley_agent_keys", "upload_allowed_types", mode="before")
    @classmethod
    def _csv(cls, value: object) -> object:
        return _split_csv(value)

    @property
    def integrator_keys(self) -> list[TenantKey]:
        """Every integrator key with its tenant."""
        return [tenant_key(entry) for entry in self.parley_api_keys]

    @property
    def livekit_http_url(self) -> str:
        """The server API URL (https/http) derived from the client URL (wss/ws)."""
        url = self.livekit_url
        if url.startswith("wss://"):
            return "https://" + url.removeprefix("wss://")
        if url.startswith("ws://"):
            return "http://" + url.removeprefix("ws://")
        return url


@lru_cache(maxsize=1)
def get_settings() -> ApiSettings:
    """The process-wide settings, read once."""
    return ApiSettings()
