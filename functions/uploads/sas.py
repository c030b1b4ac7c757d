"""Short-lived, write-only SAS URLs for exactly one blob.

In Azure the SAS is signed with a user delegation key (no account key exists: shared-key
access is off). Against the local emulator, which has no Entra ID, the account key signs.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

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
        # The emulator signs with its account key (over http); Azure with a user delegation key.
        signer: dict[str, Any]
        if account_key := self._account_key():
            signer = {"account_key": account_key, "protocol": None}
        else:
            key = await self._user_delegation_key(now)
            signer = {"user_delegation_key": key, "protocol": "https"}
        token = generate_blob_sas(
            account_name=self._service.account_name or "",
            container_name=self._container,
            blob_name=blob_name,
            permission=BlobSasPermissions(create=True, write=True),
            expiry=expiry,
            start=now - _CLOCK_SKEW,
            **signer,
        )
        return f"{self._public_url}/{self._container}/{blob_name}?{token}", expiry

    def _account_key(self) -> str | None:
        return getattr(self._service.credential, "account_key", None) or None
