"""Server-made room names that prove which tenant they were made for, so minting a token
for one needs no room claim and no store round trip at all.

A name is ``parley-<tenant>-<nonce>-<mac>``: ``mac`` is an HMAC over tenant and nonce
with a key only the API holds, derived from the LiveKit API secret (already a secret every
API instance has; from Key Vault in Azure), so no other tenant, and no client, can make a
name that verifies. A name of that shape that does not verify is refused, so a client can
never take a name only the server may make. Client-chosen names keep their claims.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

PREFIX = "parley-"
NONCE_BYTES = 6
MAC_HEX = 24
"""96 bits of the HMAC: guessing one online is out of reach."""
_SHAPE = re.compile(
    rf"^{PREFIX}(?P<tenant>[a-z0-9][a-z0-9-]{{0,62}})-"
    rf"(?P<nonce>[0-9a-f]{{{2 * NONCE_BYTES}}})-(?P<mac>[0-9a-f]{{{MAC_HEX}}})$"
)
_KEY_LABEL = b"parley room names v1"


class ReservedRoomName(ValueError):
    """A name shaped like a server-made one that the server did not make."""


class RoomNames:
    """Makes and checks self-authenticating room names."""

    def __init__(self, server_secret: str) -> None:
        if not server_secret:
            raise ValueError("room names need a non-empty server secret")
        # A key of its own (domain-separated), so a room name's MAC can never double as
        # anything the LiveKit secret signs.
        self._key = hmac.new(server_secret.encode(), _KEY_LABEL, hashlib.sha256).digest()

    def _mac(self, tenant: str, nonce: str) -> str:
        message = f"{tenant}\x00{nonce}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:MAC_HEX]

    def make(self, tenant: str) -> str:
        """A fresh name for ``tenant``'s new room."""
        nonce = secrets.token_hex(NONCE_BYTES)
        return f"{PREFIX}{tenant}-{nonce}-{self._mac(tenant, nonce)}"

    def tenant_of(self, room: str) -> str | None:
        """The tenant a server-made name was made for; None for any other name.

        Raises ReservedRoomName for a name of the server's shape that does not verify."""
        shape = _SHAPE.match(room)
        if shape is None:
            return None
        tenant, nonce, mac = shape["tenant"], shape["nonce"], shape["mac"]
        if not hmac.compare_digest(mac, self._mac(tenant, nonce)):
            raise ReservedRoomName(room)
        return tenant
