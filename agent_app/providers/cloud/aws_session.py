"""An aiobotocore session for one AWS service: Parley's credentials, region, endpoint,
timeouts and retry bound, whatever the machine's own AWS configuration says.

Imported only when a chain names ``aws`` (botocore is slow to import). The plugins call
``create_client(service)`` on the session they are given, without an endpoint; this
session adds the configured one, so a gateway or a private endpoint needs no code change.
"""

from __future__ import annotations

from typing import Any

from aiobotocore.session import AioSession
from botocore.config import Config

CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 15.0


class ServiceSession(AioSession):  # type: ignore[misc]
    """Creates clients for ``service`` at ``endpoint_url`` (None: AWS's own)."""

    def __init__(self, service: str, endpoint_url: str | None) -> None:
        super().__init__()
        self._service = service
        self._endpoint_url = endpoint_url
        # one attempt each: the chain's failover retries elsewhere, and bounds the turn
        self.set_default_client_config(
            Config(
                connect_timeout=CONNECT_TIMEOUT_S,
                read_timeout=READ_TIMEOUT_S,
                retries={"mode": "standard", "total_max_attempts": 1},
            )
        )

    def create_client(self, service_name: str, *args: Any, **kwargs: Any) -> Any:
        if service_name == self._service and self._endpoint_url:
            kwargs.setdefault("endpoint_url", self._endpoint_url)
        return super().create_client(service_name, *args, **kwargs)


def service_session(
    service: str,
    endpoint_url: str | None,
    *,
    region: str,
    access_key_id: str,
    secret_access_key: str,
    session_token: str | None,
) -> ServiceSession:
    """A session signing with these credentials in ``region`` (SigV4)."""
    session = ServiceSession(service, endpoint_url)
    session.set_credentials(access_key_id, secret_access_key, session_token)
    session.set_config_variable("region", region)
    return session
