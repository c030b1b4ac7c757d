"""Asking a provider at start-up whether it offers the configured model and takes the key.

Only a definite answer stops the worker: no such model (404) or the key refused (401/403),
each as the provider says it.
A provider that cannot be reached, or answers anything else, is logged and left to the
chain's failover: an outage at start-up is not a configuration error.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import httpx

logger = logging.getLogger("parley.agent.providers")

TIMEOUT_S = 5.0
"""The longest one provider may take to answer at start-up."""


@dataclass(frozen=True)
class ModelCheck:
    """One request whose answer says whether ``model`` is offered to this key."""

    provider: str
    """The provider's name, as an operator knows it."""
    setting: str
    """The environment variable naming the model."""
    model: str
    request: httpx.Request
    key_setting: str
    """The environment variable holding the key."""
    refused: tuple[int, ...] = (401, 403)
    """The statuses with which this provider refuses a key."""
    missing: tuple[int, ...] = (404,)
    """The statuses with which this provider says it has no such model."""


def run(check: ModelCheck, client: httpx.Client) -> str | None:
    """The one-line configuration error the answer shows, or None."""
    try:
        response = client.send(check.request)
    except httpx.HTTPError as e:
        logger.warning(
            "could not ask %s about its models at start-up (%s); going on",
            check.provider,
            type(e).__name__,
        )
        return None
    if response.status_code in check.refused:
        return f"{check.key_setting}: {check.provider} refused the key ({response.status_code})"
    if response.status_code in check.missing:
        return f"{check.setting}: {check.provider} does not offer {check.model!r}"
    if response.is_error:
        logger.warning(
            "%s answered %s when asked about its models; going on",
            check.provider,
            response.status_code,
        )
    return None


def run_all(checks: list[ModelCheck], timeout: float = TIMEOUT_S) -> list[str]:
    """Every check's error, each provider asked once with a bounded wait."""
    with httpx.Client(timeout=timeout) as client:
        return [error for check in checks if (error := run(check, client)) is not None]
