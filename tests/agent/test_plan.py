"""The call plan: every choice about a call made from settings, profile and dispatch,
without LiveKit."""

from __future__ import annotations

import dataclasses
from typing import get_args

import pytest

from agent_app.call.dispatch import DispatchMetadata
from agent_app.call.plan import GREETING_INSTRUCTIONS, WELCOME_BACK, plan_call
from agent_app.call.tenant_profile import TenantProfile
from agent_app.providers.chains import LLM_BUILDERS, STT_BUILDERS, TTS_BUILDERS
from agent_app.providers.realtime.chain import REALTIME_BUILDERS, REALTIME_PLUGINS
from agent_app.settings import SUPPORTED, AgentSettings, RealtimeProviderName
from agent_app.tools import DEFAULT_TOOLS, ToolServices, build_tools


def settings(**values: object) -> AgentSettings:
    return AgentSettings.model_validate(values)


def test_a_default_call_is_cascaded_on_the_workers_chains_with_a_generated_greeting() -> None:
    cfg = settings(openai_api_key="sk-test")
    plan = plan_call(cfg, TenantProfile(), DispatchMetadata())
    assert plan.pipeline == "cascaded" and plan.channel == "web"
    assert plan.stt == ("openai", "local") and plan.llm == ("openai", "local")
    assert plan.tools == DEFAULT_TOOLS == ("get_current_time", "search_documents")
    assert plan.greeting.say is None and plan.greeting.instructions == GREETING_INSTRUCTIONS
    assert plan.instructions == cfg.persona_prompt() and "Parley" in plan.instructions
    assert plan.tenant is None and plan.session_id is None and not plan.restore_expected


def test_the_tenants_profile_decides_persona_greeting_and_chains() -> None:
    profile = TenantProfile(
        persona="Juno",
        greeting="Hi, Juno here.",
        llm_providers=("local",),
        tts_providers=("openai", "local"),
        voice="verse",
    )
    dispatch = DispatchMetadata(session_id="RM_1", tenant="acme")
    plan = plan_call(settings(openai_api_key="sk-test"), profile, dispatch)
    assert plan.llm == ("local",) and plan.tts == ("openai", "local")
    assert plan.greeting.say == "Hi, Juno here." and plan.greeting.remember
    assert "Juno" in plan.instructions and "Parley" not in plan.instructions
    assert plan.tenant == "acme" and plan.session_id == "RM_1"
    # the providers read their options from the plan's settings: the same chains, the voice
    assert plan.settings.chain("llm") == ["local"]
    assert plan.settings.chain("tts") == ["openai", "local"]
    assert plan.settings.openai_tts_voice == "verse"


def test_chains_resolved_from_credentials_are_pinned_in_the_plans_settings() -> None:
    plan = plan_call(settings(), TenantProfile(), DispatchMetadata())
    assert plan.stt == plan.llm == plan.tts == ("local",)
    assert plan.settings.stt_providers == ["local"]


def test_a_restored_call_opens_by_saying_it_is_back_and_keeps_that_out_of_the_context() -> None:
    plan = plan_call(settings(), TenantProfile(greeting="Hello!"), DispatchMetadata(restore=True))
    assert plan.restore_expected
    back = plan.opening(restored=True)
    assert back.say == WELCOME_BACK and not back.remember
    assert plan.opening(restored=False).say == "Hello!"


def test_a_plan_is_immutable() -> None:
    plan = plan_call(settings(), TenantProfile(), DispatchMetadata())
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.pipeline = "cascaded"  # type: ignore[misc]


def test_every_supported_provider_name_has_a_builder_and_no_builder_is_unlisted() -> None:
    assert set(STT_BUILDERS) == SUPPORTED["stt"]
    assert set(LLM_BUILDERS) == SUPPORTED["llm"]
    assert set(TTS_BUILDERS) == SUPPORTED["tts"]


async def test_tools_are_built_by_name_and_an_unknown_name_is_refused() -> None:
    async def no_uploads() -> list[dict[str, object]]:
        return []

    services = ToolServices(list_uploads=no_uploads)
    assert [t.info.name for t in build_tools(DEFAULT_TOOLS, services)] == list(DEFAULT_TOOLS)  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="unknown tools: transfer"):
        build_tools(("get_current_time", "transfer"), services)


def test_a_realtime_chain_makes_the_call_realtime_with_the_cascade_behind_it() -> None:
    cfg = settings(realtime_providers="azure-openai, voice-live", openai_api_key="sk-test")
    plan = plan_call(cfg, TenantProfile(), DispatchMetadata())
    assert plan.pipeline == "realtime"
    assert plan.realtime == ("azure-openai", "voice-live")
    assert plan.llm == ("openai", "local")  # the fallback, still planned
    unset = plan_call(settings(), TenantProfile(), DispatchMetadata())
    assert unset.pipeline == "cascaded" and unset.realtime == ()


def test_a_tenant_chooses_realtime_or_cascaded_its_chain_and_its_voice() -> None:
    worker = settings(realtime_providers="openai")
    cascaded = plan_call(worker, TenantProfile(pipeline="cascaded"), DispatchMetadata())
    assert cascaded.pipeline == "cascaded" and cascaded.realtime == ()
    own = TenantProfile(realtime_providers=("voice-live",), voice="en-US-AvaNeural")
    chosen = plan_call(settings(), own, DispatchMetadata(tenant="acme"))
    assert chosen.pipeline == "realtime" and chosen.realtime == ("voice-live",)
    assert chosen.settings.realtime_voice == "en-US-AvaNeural"
    # realtime with no chain anywhere stays cascaded rather than failing the call
    nowhere = plan_call(settings(), TenantProfile(pipeline="realtime"), DispatchMetadata())
    assert nowhere.pipeline == "cascaded"


def test_a_realtime_profile_is_parsed_and_a_bad_one_ignored() -> None:
    good = TenantProfile.from_json({"pipeline": "realtime", "realtimeProviders": ["openai"]})
    assert good.pipeline == "realtime" and good.realtime_providers == ("openai",)
    bad = TenantProfile.from_json({"pipeline": "fast", "realtimeProviders": ["local"]})
    assert bad.pipeline is None and bad.realtime_providers is None


def test_an_unknown_realtime_provider_is_refused_at_start_up() -> None:
    with pytest.raises(ValueError, match="realtime_providers"):
        settings(realtime_providers="openai,local")


def test_every_realtime_provider_has_a_builder_and_a_plugin() -> None:
    names = set(get_args(RealtimeProviderName))
    assert names == set(REALTIME_BUILDERS) == set(REALTIME_PLUGINS)
