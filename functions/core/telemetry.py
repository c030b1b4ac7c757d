"""OpenTelemetry export to App Insights when a connection string is configured."""

from __future__ import annotations

import logging

from functions.settings import ApiSettings

log = logging.getLogger(__name__)


def configure_telemetry(settings: ApiSettings) -> bool:
    if not settings.applicationinsights_connection_string:
        return False
    from azure.identity import DefaultAzureCredential
    from azure.monitor.opentelemetry import configure_azure_monitor

    # App Insights has local (key) auth disabled: export with the managed identity.
    configure_azure_monitor(
        connection_string=settings.applicationinsights_connection_string,
        credential=DefaultAzureCredential(managed_identity_client_id=settings.azure_client_id),
    )
    return True
