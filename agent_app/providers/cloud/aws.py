"""AWS: Amazon Polly (TTS) and Amazon Bedrock's Converse API (LLM), by access key.

Requests are SigV4-signed by botocore. ``AWS_ENDPOINT_URL_POLLY`` and
``AWS_ENDPOINT_URL_BEDROCK_RUNTIME`` (botocore's own names) point them at a gateway or a
VPC endpoint. Amazon Transcribe is not offered: its streaming SDK needs Python >= 3.12
(``settings.NOT_OFFERED``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from livekit.agents import llm, tts

from agent_app.providers.cloud.auth import TokenProvider, secret
from agent_app.settings import AgentSettings

if TYPE_CHECKING:
    from agent_app.providers.cloud.aws_session import ServiceSession

PLUGIN = "livekit.plugins.aws"
POLLY_SAMPLE_RATE = 16_000


def missing_credentials(settings: AgentSettings) -> list[str]:
    return [
        name
        for name, value in (
            ("AWS_ACCESS_KEY_ID", settings.aws_access_key_id),
            ("AWS_SECRET_ACCESS_KEY", settings.aws_secret_access_key),
        )
        if not secret(value)
    ]


def _session(settings: AgentSettings, service: str, endpoint_url: str | None) -> ServiceSession:
    from agent_app.providers.cloud.aws_session import service_session

    return service_session(
        service,
        endpoint_url,
        region=settings.aws_region,
        access_key_id=secret(settings.aws_access_key_id) or "",
        secret_access_key=secret(settings.aws_secret_access_key) or "",
        session_token=secret(settings.aws_session_token),
    )


async def build_llm(settings: AgentSettings, tokens: TokenProvider | None) -> llm.LLM[Any]:
    from livekit.plugins import aws as aws_plugin

    return aws_plugin.LLM(
        model=settings.aws_bedrock_model,
        region=settings.aws_region,
        session=_session(settings, "bedrock-runtime", settings.aws_endpoint_url_bedrock_runtime),
    )


async def build_tts(settings: AgentSettings, tokens: TokenProvider | None) -> tts.TTS[Any]:
    from livekit.plugins import aws as aws_plugin

    return aws_plugin.TTS(
        voice=settings.aws_polly_voice,
        speech_engine=settings.aws_polly_engine,
        sample_rate=POLLY_SAMPLE_RATE,
        region=settings.aws_region,
        session=_session(settings, "polly", settings.aws_endpoint_url_polly),
    )
