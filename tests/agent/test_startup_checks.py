"""A configuration that cannot serve a call stops the worker at start-up with one line:
an unknown provider name, a provider named without its key, a model (or voice) the
provider says it does not offer, or a key it refuses; an unreachable provider does not."""

from __future__ import annotations

import asyncio
import os
import subprocess
from typing import Any

import pytest

from agent_app.providers import startup
from agent_app.settings import AgentSettings
from harness.agent_helpers import settings
from harness.doubles import AnthropicServer, ElevenLabsServer, GeminiServer, serve
from harness.ports import free_port
from harness.processes import VENV_BIN


def _problem(cfg: AgentSettings) -> str:
    with pytest.raises(startup.ConfigurationError) as bad:
        startup.check(cfg)
    return str(bad.value)


async def _checked(cfg: AgentSettings) -> str | None:
    """``startup.check`` (blocking, as at start-up) off this loop, which serves the double."""
    try:
        await asyncio.to_thread(startup.check, cfg)
    except startup.ConfigurationError as e:
        return str(e)
    return None


def test_a_named_provider_without_its_key_is_one_clear_line() -> None:
    problem = _problem(settings(llm_providers="anthropic,local", tts_providers="aws"))
    assert "'anthropic' is named in a chain but ANTHROPIC_API_KEY is not set" in problem
    assert "'aws' is named in a chain but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" in problem
    assert "\n" not in problem


def test_the_default_chains_ask_nothing_and_need_nothing() -> None:
    startup.check(settings())  # local only: no key, no request


async def test_the_provider_says_whether_it_offers_the_model_and_takes_the_key() -> None:
    claude, gemini, eleven = AnthropicServer(), GeminiServer(), ElevenLabsServer()
    async with (
        serve(claude.app()) as claude_url,
        serve(gemini.app()) as gemini_url,
        serve(eleven.app()) as eleven_url,
    ):
        keys: dict[str, Any] = {
            "anthropic_base_url": claude_url,
            "anthropic_api_key": claude.api_key,
            "google_gemini_base_url": gemini_url,
            "google_api_key": gemini.api_key,
            "elevenlabs_base_url": f"{eleven_url}/v1",
            "elevenlabs_api_key": eleven.api_key,
            "llm_providers": "anthropic,google",
            "tts_providers": "elevenlabs",
        }
        assert await _checked(settings(**keys)) is None
        unknown = await _checked(
            settings(**{**keys, "anthropic_model": "claude-nonesuch", "google_llm_model": "x"})
        )
        refused = await _checked(settings(**{**keys, "google_api_key": "wrong"}))
        no_voice = await _checked(settings(**{**keys, "elevenlabs_voice_id": "nobody"}))
    assert unknown == (
        "ANTHROPIC_MODEL: Anthropic does not offer 'claude-nonesuch'; "
        "GOOGLE_LLM_MODEL: Google Gemini does not offer 'x'"
    )
    assert refused == "GOOGLE_API_KEY: Google Gemini refused the key (400)"
    assert no_voice == "ELEVENLABS_VOICE_ID: ElevenLabs does not offer 'nobody'"
    asked = [r["path"] for r in claude.requests]
    assert "/v1/models/claude-haiku-4-5" in asked


def test_an_unreachable_provider_is_not_a_configuration_error() -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    startup.check(
        settings(llm_providers="anthropic", anthropic_base_url=closed, anthropic_api_key="k")
    )


@pytest.mark.parametrize(
    ("env", "line"),
    [
        ({"LLM_PROVIDERS": "claude"}, "LLM_PROVIDERS: unknown provider 'claude'"),
        ({"STT_PROVIDERS": "aws"}, "'aws': Amazon Transcribe's streaming SDK installs only on"),
        ({"TTS_PROVIDERS": "elevenlabs"}, "ELEVENLABS_API_KEY is not set"),
    ],
)
def test_the_worker_refuses_to_start_with_one_line(env: dict[str, str], line: str) -> None:
    settings_env = {name.upper() for name in AgentSettings.model_fields}
    clean = {k: v for k, v in os.environ.items() if k.upper() not in settings_env}
    done = subprocess.run(
        [str(VENV_BIN / "python"), "-m", "agent_app", "start"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("parley agent: bad configuration: ") and line in last, done.stderr
