"""How the agent authenticates to Redis: as written in the URL locally, Entra ID in Azure.

Azure Managed Redis has access keys off. Its URL names the agent's managed identity
(object id) as the user and carries no password, as ``bicep/hooks/postprovision.sh``
writes it; every new connection then authenticates with a fresh Entra token for that
user. azure-identity caches tokens and renews them before they expire.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from azure.core.credentials import TokenCredential
from redis.credentials import CredentialProvider

ENTRA_SCOPE = "https://redis.azure.com/.default"


class EntraCredentialProvider(CredentialProvider):
    """``(user, token)`` for each new Redis connection."""

    def __init__(self, username: str, credential: TokenCredential) -> None:
        self.username = username
        self._credential = credential

    def get_credentials(self) -> tuple[str, str]:
        return self.username, self._credential.get_token(ENTRA_SCOPE).token

    async def get_credentials_async(self) -> tuple[str, str]:
        # a token fetch may hit the identity endpoint: keep it off the event loop
        return await asyncio.to_thread(self.get_credentials)


def _managed_identity(client_id: str | None) -> TokenCredential:
    from azure.identity import DefaultAzureCredential, ManagedIdentityCredential

    if client_id:
        return ManagedIdentityCredential(client_id=client_id)
    return DefaultAzureCredential()  # e.g. `az login` when running locally against Azure


def connection_args(
    url: str, client_id: str | None, credential: TokenCredential | None = None
) -> tuple[str, dict[str, Any]]:
    """The URL to connect to and extra client arguments.

    A URL with a user and no password means Entra ID: the user moves out of the URL
    (redis-py refuses a user alongside a credential provider) into the provider.
    """
    parts = urlsplit(url)
    if not parts.username or parts.password is not None:
        return url, {}
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    bare = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    provider = EntraCredentialProvider(
        unquote(parts.username), credential or _managed_identity(client_id)
    )
    return bare, {"credential_provider": provider}
