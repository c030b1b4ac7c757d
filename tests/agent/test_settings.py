"""The typed settings object, secret handling, and the documents search."""

from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr, ValidationError

from agent_app.call.transcripts import segment_id
from agent_app.documents import search as documents
from agent_app.observability import redaction
from agent_app.settings import AgentSettings


def test_env_names_are_field_names_upper_cased(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENT_NAME", "custom-agent")
    monkeypatch.setenv("STT_PROVIDERS", "azure, openai,local")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-abc")
    monkeypatch.setenv("LOCAL_TTS_VOICE", "espeak")
    cfg = AgentSettings()
    assert cfg.agent_name == "custom-agent"
    assert cfg.stt_providers == ["azure", "openai", "local"]
    assert cfg.local_tts_voice == "espeak"
    assert isinstance(cfg.openai_api_key, SecretStr) and "sk-abc" not in repr(cfg)


def test_defaults_are_offline_without_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in AgentSettings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    cfg = AgentSettings()
    assert cfg.agent_name == "parley-agent"
    assert cfg.chain("stt") == cfg.chain("llm") == cfg.chain("tts") == ["local"]


def test_credentials_choose_cloud_first_and_keep_local_last() -> None:
    cfg = AgentSettings(
        openai_api_key=SecretStr("k"),
        azure_openai_endpoint="https://x.openai.azure.com",
        azure_openai_deployment="d",
        azure_speech_region="westeurope",
        azure_speech_resource_id="/subscriptions/x",
    )
    assert cfg.chain("llm") == ["azure-openai", "openai", "local"]
    assert cfg.chain("stt") == ["azure", "openai", "local"]


def test_provider_that_cannot_do_the_job_is_refused() -> None:
    with pytest.raises(ValidationError, match="cannot do llm"):
        AgentSettings(llm_providers="azure")


def test_drain_must_fit_the_grace_period() -> None:
    assert AgentSettings().drain_timeout_seconds + AgentSettings().job_shutdown_timeout_seconds < 30
    with pytest.raises(ValidationError, match="TERMINATION_GRACE_SECONDS"):
        AgentSettings(drain_timeout_seconds=25)
    assert AgentSettings(drain_timeout_seconds=25, termination_grace_seconds=60)


def test_local_only_fields_are_marked_for_the_infra_check() -> None:
    local = {
        name
        for name, field in AgentSettings.model_fields.items()
        if isinstance(field.json_schema_extra, dict)
        and field.json_schema_extra.get("azure") is False
    }
    assert local == {
        "transcript_spool_dir",
        "azure_speech_host",
        "local_stt_threads",
        "local_stt_beam_size",
        "local_tts_voice",
        "local_tts_threads",
        "local_stt_engine",
        "local_stt_fast_threads",
        "local_stt_fallback_logprob",
        "rtc_log_capture",
        "loop_block_warn_ms",
        "aws_session_token",
    }


def test_secrets_are_masked_in_logs(caplog: pytest.LogCaptureFixture) -> None:
    cfg = AgentSettings(parley_agent_key=SecretStr("agent-secret-1234"))
    flt = redaction.RedactingFilter(redaction.secret_values(cfg))
    logger = logging.getLogger("parley.test.redaction")
    logger.addFilter(flt)
    caplog.set_level(logging.INFO, logger="parley.test.redaction")
    logger.info("calling with %s", "agent-secret-1234")
    logger.info("url https://blob/x?sv=1&sig=abcdEFGH%2B&se=2")
    logger.removeFilter(flt)
    text = caplog.text
    assert "agent-secret-1234" not in text and "abcdEFGH" not in text and "***" in text


def test_segment_ids_are_deterministic() -> None:
    assert segment_id("RM_abc", 7, "assistant") == "RM_abc-000007-assistant"


def test_document_search_prefers_matching_passages() -> None:
    docs = [
        documents.Document("1", "a.txt", "Cats sleep a lot.\n\nThe rent is due on Friday."),
        documents.Document("2", "b.txt", "Dogs bark."),
    ]
    assert (
        documents.search(docs, "when is the rent due") == "From a.txt: The rent is due on Friday."
    )
    assert "a.txt begins" in documents.search(docs, "summarise the document")
    assert "No documents" in documents.search([], "anything")


def test_turn_detection_is_the_model_or_silence_alone() -> None:
    from livekit.agents import inference

    from agent_app.call.turns import turn_handling

    model = turn_handling(AgentSettings())["turn_detection"]
    assert isinstance(model, inference.TurnDetector)
    assert turn_handling(AgentSettings(turn_detection="vad"))["turn_detection"] == "vad"
    with pytest.raises(ValidationError):
        AgentSettings(turn_detection="stt")


def test_preemptive_speech_only_when_the_offline_voice_speaks_first() -> None:
    from agent_app.call.turns import turn_handling

    local = turn_handling(AgentSettings(tts_providers="local"))["preemptive_generation"]
    cloud = turn_handling(AgentSettings(tts_providers="azure,local"))["preemptive_generation"]
    assert local == {"enabled": True, "preemptive_tts": True}
    assert cloud == {"enabled": True, "preemptive_tts": False}
