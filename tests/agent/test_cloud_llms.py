"""Anthropic, Gemini and Bedrock through their real plugins against local servers speaking
each one's wire protocol: the request the service would check, the stream it answers."""

from __future__ import annotations

import pytest
from livekit.agents import APIStatusError
from livekit.agents import llm as lk_llm

from agent_app.providers.chains import build_llm
from agent_app.settings import AgentSettings
from harness.agent_helpers import collect_text, settings, user_says
from harness.doubles import AnthropicServer, BedrockServer, GeminiServer, serve
from harness.doubles.aws import ACCESS_KEY_ID, SECRET_ACCESS_KEY


async def _answer(cfg: AgentSettings, provider: str, prompt: str) -> str:
    model = await build_llm(cfg, provider)
    try:
        text, _ = await collect_text(model.chat(chat_ctx=user_says(prompt)))
    finally:
        await model.aclose()
    return text


def _anthropic(url: str, **overrides: object) -> AgentSettings:
    return settings(
        **{"anthropic_base_url": url, "anthropic_api_key": "anthropic-test-key", **overrides}
    )


def _gemini(url: str, **overrides: object) -> AgentSettings:
    return settings(
        **{"google_gemini_base_url": url, "google_api_key": "gemini-test-key", **overrides}
    )


@lk_llm.function_tool
async def get_current_time() -> str:
    """The current time."""
    return "noon"


async def _tool_calls(cfg: AgentSettings, provider: str) -> list[tuple[str, str]]:
    """(name, arguments) of the function calls ``provider`` streams back for a question
    asked with the ``get_current_time`` tool."""
    model = await build_llm(cfg, provider)
    try:
        stream = model.chat(chat_ctx=user_says("time?"), tools=[get_current_time])
        _, calls = await collect_text(stream)
    finally:
        await model.aclose()
    return [(c.name, c.arguments) for c in calls]


async def _refusal(cfg: AgentSettings, provider: str) -> APIStatusError:
    """The error ``provider`` answers a question with under ``cfg``."""
    with pytest.raises(APIStatusError) as refused:
        await _answer(cfg, provider, "hi")
    return refused.value


async def test_anthropic_streams_messages_with_the_key_and_version() -> None:
    fake = AnthropicServer()
    async with serve(fake.app()) as url:
        text = await _answer(_anthropic(url), "anthropic", "Is the river high today?")
    assert text == "This is Claude. You said: Is the river high today?"
    request = fake.requests[0]
    assert request["path"] == "/v1/messages"
    assert request["headers"]["x-api-key"] == "anthropic-test-key"
    assert request["headers"]["anthropic-version"] == "2023-06-01"
    assert request["body"]["model"] == "claude-haiku-4-5" and request["body"]["stream"] is True


async def test_anthropic_refuses_a_wrong_key_and_an_unknown_model() -> None:
    fake = AnthropicServer()
    async with serve(fake.app()) as url:
        refused = await _refusal(_anthropic(url, anthropic_api_key="wrong"), "anthropic")
        unknown = await _refusal(_anthropic(url, anthropic_model="claude-nonesuch"), "anthropic")
    assert (refused.status_code, unknown.status_code) == (401, 404)


async def test_anthropic_tool_use_arrives_as_a_function_call() -> None:
    fake = AnthropicServer(tool_call={"name": "get_current_time", "arguments": {}})
    async with serve(fake.app()) as url:
        calls = await _tool_calls(_anthropic(url), "anthropic")
    assert calls == [("get_current_time", "{}")]
    assert fake.requests[0]["body"]["tools"][0]["name"] == "get_current_time"


async def test_gemini_streams_generate_content_as_sse() -> None:
    fake = GeminiServer()
    async with serve(fake.app()) as url:
        text = await _answer(_gemini(url), "google", "Where can I buy fresh bread?")
    assert text == "This is Gemini. You said: Where can I buy fresh bread?"
    request = next(r for r in fake.requests if r["path"].endswith(":streamGenerateContent"))
    assert request["path"] == "/v1/models/gemini-2.5-flash:streamGenerateContent"
    assert request["query"]["alt"] == "sse"
    assert request["headers"]["x-goog-api-key"] == "gemini-test-key"
    assert request["body"]["contents"][-1]["role"] == "user"


async def test_gemini_refuses_a_wrong_key_and_an_unknown_model() -> None:
    fake = GeminiServer()
    async with serve(fake.app()) as url:
        refused = await _refusal(_gemini(url, google_api_key="wrong"), "google")
        unknown = await _refusal(_gemini(url, google_llm_model="gemini-nonesuch"), "google")
    assert (refused.status_code, unknown.status_code) == (400, 404)


async def test_gemini_function_calls_arrive_as_function_calls() -> None:
    fake = GeminiServer(tool_call={"name": "get_current_time", "arguments": {}})
    async with serve(fake.app()) as url:
        calls = await _tool_calls(_gemini(url), "google")
    assert [name for name, _ in calls] == ["get_current_time"]
    declared = fake.requests[-1]["body"]["tools"][0]["functionDeclarations"][0]
    assert declared["name"] == "get_current_time"


def _aws(
    polly: str | None = None, bedrock: str | None = None, **overrides: object
) -> AgentSettings:
    return settings(
        **{
            "aws_access_key_id": ACCESS_KEY_ID,
            "aws_secret_access_key": SECRET_ACCESS_KEY,
            "aws_endpoint_url_polly": polly,
            "aws_endpoint_url_bedrock_runtime": bedrock,
            **overrides,
        }
    )


async def test_bedrock_converse_stream_is_signed_and_answered_as_an_event_stream() -> None:
    fake = BedrockServer()
    async with serve(fake.app()) as url:
        text = await _answer(_aws(bedrock=url), "aws", "Please water the plants tonight.")
    assert text == "This is Bedrock. You said: Please water the plants tonight."
    request = fake.requests[0]
    assert request["path"] == "/model/amazon.nova-lite-v1:0/converse-stream"
    scope = request["headers"]["Authorization"].split("Credential=")[1].split(",")[0]
    assert scope.startswith(f"{ACCESS_KEY_ID}/") and scope.endswith(
        "/us-east-1/bedrock/aws4_request"
    )


async def test_bedrock_refuses_a_bad_signature_a_wrong_region_and_an_unknown_model() -> None:
    fake = BedrockServer()
    async with serve(fake.app()) as url:
        forged = await _refusal(_aws(bedrock=url, aws_secret_access_key="not-the-secret"), "aws")
        elsewhere = await _refusal(_aws(bedrock=url, aws_region="eu-west-1"), "aws")
        unknown = await _refusal(_aws(bedrock=url, aws_bedrock_model="amazon.nonesuch-v9:0"), "aws")
    assert forged.status_code == 403 and "signature" in str(forged).lower()
    assert elsewhere.status_code == 403 and "scoped to correct" in str(elsewhere)
    assert unknown.status_code == 400 and "model identifier" in str(unknown)


async def test_bedrock_tool_use_arrives_as_a_function_call() -> None:
    fake = BedrockServer(tool_call={"name": "get_current_time", "arguments": {}})
    async with serve(fake.app()) as url:
        calls = await _tool_calls(_aws(bedrock=url), "aws")
    assert calls == [("get_current_time", "{}")]
    spec = fake.requests[0]["body"]["toolConfig"]["tools"][0]["toolSpec"]
    assert spec["name"] == "get_current_time"
