"""Short-lived, write-only SAS URLs for exactly one blob.

In Azure the SAS is signed with a user delegation key (no account key exists: shared-key
access is off). Against the local emulator, which has no Entra ID, the account key signs.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from azure.storage.blob import BlobSasPermissions, UserDelegationKey, generate_blob_sas
from azure.storage.blob.aio import BlobServiceClient

_DELEGATION_KEY_LIFETIME = timedelta(hours=6)
_DELEGATION_KEY_REFRESH_MARGIN = timedelta(hours=1)
_CLOCK_SKEW = timedelta(minutes=5)


class UploadSasIssuer:
    def __init__(self, service: BlobServiceClient, container: str, public_url: str | None) -> None:
        self._service = service
        self._container = container
        self._public_url = (public_url or service.url).rstrip("/")
        self._delegation_key: UserDelegationKey | None = None
        self._delegation_expiry = datetime.min.replace(tzinfo=UTC)
        self._lock = asyncio.Lock()

    async def _user_delegation_key(self, now: datetime) -> UserDelegationKey:
        async with self._lock:
            if self._delegation_key is None or now + _DELEGATION_KEY_REFRESH_MARGIN > (
                self._delegation_expiry
            ):
                expiry = now + _DELEGATION_KEY_LIFETIME
                self._delegation_key = await self._service.get_user_delegation_key(
                    key_start_time=now - _CLOCK_SKEW, key_expiry_time=expiry
                )
                self._delegation_expiry = expiry
            return self._delegation_key

    async def issue(self, blob_name: str, ttl: timedelta) -> tuple[str, datetime]:
        """A URL allowing create+write of ``blob_name`` only, until the returned expiry."""
        now = datetime.now(UTC)
        expiry = now + ttl
        permission = BlobSasPermissions(create=True, write=True)
        account_key = self._service.credential.account_key if self._has_account_key() else None
        if account_key:
            token = generate_blob_sas(
                account_name=self._service.account_name or "",
                container_name=self._container,
                blob_name=blob_name,
                account_key=account_key,
                permission=permission,
                expiry=expiry,
                start=now - _CLOCK_SKEW,
                protocol=None,
            )
        else:
            key = await self._user_delegation_key(now)
            token = generate_blob_sas(
                account_name=self._service.account_name or "",
                container_name=self._container,
                blob_name=blob_name,
                user_delegation_key=key,
                permission=permission,
                expiry=expiry,
                start=now - _CLOCK_SKEW,
                protocol="https",
            )
        return f"{self._public_url}/{self._container}/{blob_name}?{token}", expiry

    def _has_account_key(self) -> bool:
        return hasattr(self._service.credential, "account_key")
