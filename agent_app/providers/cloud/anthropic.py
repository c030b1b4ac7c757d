"""Anthropic (Claude): the LLM, over the Messages API's server-sent events.

``ANTHROPIC_BASE_URL`` points the official client at a gateway or a private endpoint
that speaks the same API; the key goes in ``x-api-key`` either way.
"""

from __future__ import annotations

from typing import Any

import httpx
from livekit.agents import NOT_GIVEN, llm

from agent_app.providers.cloud.auth import TokenProvider, secret
from agent_app.providers.cloud.model_check import ModelCheck
from agent_app.settings import AgentSettings

PLUGIN = "livekit.plugins.anthropic"
DEFAULT_BASE_URL = "https://api.anthropic.com"
API_VERSION = "2023-06-01"


def missing_credentials(settings: AgentSettings) -> list[str]:
    return [] if secret(settings.anthropic_api_key) else ["ANTHROPIC_API_KEY"]


def model_check(settings: AgentSettings) -> ModelCheck:
    """Anthropic lists its models: ``GET /v1/models/{id}`` answers 404 for one it lacks."""
    base = (settings.anthropic_base_url or DEFAULT_BASE_URL).rstrip("/")
    return ModelCheck(
        provider="Anthropic",
        setting="ANTHROPIC_MODEL",
        model=settings.anthropic_model,
        request=httpx.Request(
            "GET",
            f"{base}/v1/models/{settings.anthropic_model}",
            headers={
                "x-api-key": secret(settings.anthropic_api_key) or "",
                "anthropic-version": API_VERSION,
            },
        ),
        key_setting="ANTHROPIC_API_KEY",
    )


async def build_llm(settings: AgentSettings, tokens: TokenProvider | None) -> llm.LLM[Any]:
    from livekit.plugins import anthropic as anthropic_plugin

    return anthropic_plugin.LLM(
        model=settings.anthropic_model,
        api_key=secret(settings.anthropic_api_key) or NOT_GIVEN,
        base_url=settings.anthropic_base_url or NOT_GIVEN,
        max_retries=0,  # the chain's failover owns retries
    )
