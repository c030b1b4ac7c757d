"""The tenant named in the dispatch metadata brings its profile into the call."""

from __future__ import annotations

import json
from typing import Any

import httpx

from agent_app.api.client import ParleyApi
from agent_app.call.dispatch import DispatchMetadata
from agent_app.call.tenant_profile import TenantProfile, load_profile
from agent_app.settings import AgentSettings
from harness.api import ApiProcess
from harness.ports import free_port

ACME = {
    "persona": "Ada",
    "instructions": "You are {persona}. Speak like a pirate.",
    "greeting": "Ahoy, this is Ada.",
    "language": "en-GB",
    "voice": "en-GB-SoniaNeural",
    "sttProviders": ["local"],
    "llmProviders": ["openai", "local"],
}


def test_the_dispatch_metadata_names_the_tenant() -> None:
    raw = json.dumps({"participant": "u", "requestedBy": "integrator", "tenant": "acme"})
    assert DispatchMetadata.parse(raw).tenant == "acme"
    assert DispatchMetadata.parse(json.dumps({"sessionId": "RM_1"})).tenant is None


def test_a_profile_overrides_only_what_it_sets() -> None:
    base = AgentSettings(persona="Parley", tts_providers=["local"])
    applied = TenantProfile.from_json(ACME).apply(base)
    assert applied.persona_prompt() == "You are Ada. Speak like a pirate."
    assert applied.azure_speech_language == "en-GB"
    assert applied.azure_speech_voice == applied.openai_tts_voice == "en-GB-SoniaNeural"
    assert applied.chain("stt") == ["local"]
    assert applied.chain("llm") == ["openai", "local"]
    assert applied.chain("tts") == ["local"]  # the worker's own chain: the profile left it
    assert base.persona == "Parley" and base.stt_providers is None  # the worker is untouched
    assert TenantProfile().apply(base) is base


def test_fields_that_do_not_fit_are_dropped_not_fatal() -> None:
    profile = TenantProfile.from_json(
        {
            "persona": "",
            "greeting": "x" * 301,
            "voice": 7,
            "llmProviders": ["azure"],  # a speech provider cannot be the language model
            "ttsProviders": ["openai"],
            "unknown": "ignored",
        }
    )
    assert profile == TenantProfile(tts_providers=("openai",))


async def test_the_agent_reads_its_tenants_profile_from_the_live_api(
    live_api: ApiProcess,
) -> None:
    key = {"x-api-key": live_api.api_key}
    api = ParleyApi(live_api.base_url, live_api.agent_key, tenant="default")
    async with httpx.AsyncClient(base_url=live_api.base_url, timeout=10) as integrator:
        put = await integrator.put("/api/tenant/profile", json=ACME, headers=key)
        assert put.status_code == 200, put.text
        try:
            profile = await load_profile(api.tenant_profile, "default")
            # A tenant that set nothing gets the worker's defaults.
            other = await load_profile(api.tenant_profile, "globex")
        finally:
            await api.aclose()
            # The API process is shared: leave the default tenant as other tests expect it.
            await integrator.put("/api/tenant/profile", json={}, headers=key)
    assert profile.greeting == "Ahoy, this is Ada."
    assert profile.apply(AgentSettings()).persona_prompt() == "You are Ada. Speak like a pirate."
    assert other == TenantProfile()


async def test_no_tenant_or_no_api_means_the_defaults() -> None:
    calls: list[str] = []

    async def fetch(tenant: str) -> dict[str, Any]:
        calls.append(tenant)
        return ACME

    assert await load_profile(fetch, None) == TenantProfile()
    assert calls == []
    api = ParleyApi(f"http://127.0.0.1:{free_port()}", "agent-key", timeout=1.0)
    try:
        assert await load_profile(api.tenant_profile, "acme", timeout=2.0) == TenantProfile()
    finally:
        await api.aclose()


def test_a_profile_can_name_every_provider_of_a_kind_but_not_one_that_cannot_serve_it() -> None:
    profile = TenantProfile.from_json(
        {
            "llmProviders": ["google", "anthropic", "aws"],
            "sttProviders": ["aws"],  # Amazon Transcribe is not offered
            "ttsProviders": ["elevenlabs", "aws"],
        }
    )
    assert profile.llm_providers == ("google", "anthropic", "aws")
    assert profile.tts_providers == ("elevenlabs", "aws")
    assert profile.stt_providers is None
