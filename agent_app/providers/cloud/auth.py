"""Credentials shared by the cloud providers: keys from settings, Entra ID tokens in Azure."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from pydantic import SecretStr

from agent_app.settings import AgentSettings

COGNITIVE_SCOPE = "https://cognitiveservices.azure.com/.default"

TokenProvider = Callable[[], Awaitable[str]]
"""Returns a bearer token for Azure AI services (managed identity in Azure)."""


def azure_token_provider(settings: AgentSettings) -> TokenProvider:
    """Managed-identity bearer tokens for Azure AI services (keyless access)."""
    from azure.identity.aio import DefaultAzureCredential, get_bearer_token_provider

    credential = DefaultAzureCredential(managed_identity_client_id=settings.azure_client_id)
    return get_bearer_token_provider(credential, COGNITIVE_SCOPE)


def secret(value: SecretStr | None) -> str | None:
    """The plain value of an optional secret setting."""
    return value.get_secret_value() if value is not None else None
