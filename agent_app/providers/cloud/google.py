"""Google Gemini: the LLM, over the Gemini API's streamed ``generateContent`` (SSE).

``GOOGLE_GEMINI_BASE_URL`` points the google-genai client at a gateway that speaks the
Gemini API; the key goes in ``x-goog-api-key``.
"""

from __future__ import annotations

from typing import Any

import httpx
from livekit.agents import llm

from agent_app.providers.cloud.auth import TokenProvider, secret
from agent_app.providers.cloud.model_check import ModelCheck
from agent_app.settings import AgentSettings

PLUGIN = "livekit.plugins.google"
DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com"
API_VERSION = "v1"
"""The Gemini API version google-genai speaks by default."""


def missing_credentials(settings: AgentSettings) -> list[str]:
    return [] if secret(settings.google_api_key) else ["GOOGLE_API_KEY"]


def model_check(settings: AgentSettings) -> ModelCheck:
    """``GET /v1/models/{model}``: 404 for a model the API lacks; a bad key is a 400."""
    base = (settings.google_gemini_base_url or DEFAULT_BASE_URL).rstrip("/")
    return ModelCheck(
        provider="Google Gemini",
        setting="GOOGLE_LLM_MODEL",
        model=settings.google_llm_model,
        request=httpx.Request(
            "GET",
            f"{base}/{API_VERSION}/models/{settings.google_llm_model}",
            headers={"x-goog-api-key": secret(settings.google_api_key) or ""},
        ),
        key_setting="GOOGLE_API_KEY",
        refused=(400, 401, 403),
    )


async def build_llm(settings: AgentSettings, tokens: TokenProvider | None) -> llm.LLM[Any]:
    from google.genai import Client, types
    from livekit.agents import NOT_GIVEN
    from livekit.plugins import google as google_plugin

    key = secret(settings.google_api_key)
    base_url = settings.google_gemini_base_url
    options = types.HttpOptions(base_url=base_url) if base_url else None
    model = google_plugin.LLM(
        model=settings.google_llm_model,
        api_key=key or NOT_GIVEN,
        vertexai=False,
        http_options=options or NOT_GIVEN,
    )
    if options is not None:
        # The plugin hands http_options to each chat request but builds its client without
        # them, so the client's own calls (the session's prewarm lists models) would go to
        # Google's host with the key: give it a client that knows the gateway too.
        model._client = Client(api_key=key, vertexai=False, http_options=options)
    return model
