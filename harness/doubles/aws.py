"""Amazon Polly (``POST /v1/speech``, an MP3 of real speech) and Amazon Bedrock's Converse
API (``POST /model/{id}/converse-stream``, AWS's binary event stream), each checking what
the service checks: the SigV4 signature and its scope, the body's shape, a known model or
voice. Errors come as AWS's REST-JSON errors (``x-amzn-ErrorType`` and a message)."""

from __future__ import annotations

import json
import uuid
import zlib
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from harness.doubles import engines
from harness.doubles.base import ChatDouble, WireServer, application
from harness.doubles.sigv4 import SignatureRefused, verify

ACCESS_KEY_ID = "AKIAPARLEYTEST000001"
SECRET_ACCESS_KEY = "parley-test-secret-access-key"


def event_message(event_type: str, payload: dict[str, Any]) -> bytes:
    """One message of ``application/vnd.amazon.eventstream``: the prelude (total and
    headers lengths, their CRC32), string headers, the JSON payload, the message's CRC32."""
    headers = b""
    for name, value in (
        (":event-type", event_type),
        (":content-type", "application/json"),
        (":message-type", "event"),
    ):
        raw = value.encode()
        headers += bytes([len(name)]) + name.encode() + b"\x07" + len(raw).to_bytes(2, "big") + raw
    body = json.dumps(payload).encode()
    prelude = (12 + len(headers) + len(body) + 4).to_bytes(4, "big") + len(headers).to_bytes(
        4, "big"
    )
    message = prelude + zlib.crc32(prelude).to_bytes(4, "big") + headers + body
    return message + zlib.crc32(message).to_bytes(4, "big")


@dataclass
class _AwsService(WireServer):
    """What both services share: SigV4 for ``signing_name`` in ``region``, AWS errors."""

    region: str = "us-east-1"
    keys: dict[str, str] = field(default_factory=lambda: {ACCESS_KEY_ID: SECRET_ACCESS_KEY})
    signing_name: str = ""

    def error_response(self, status: int, message: str, code: str = "") -> web.Response:
        code = code or ("ThrottlingException" if status == 429 else "InternalServerException")
        return web.json_response(
            {"message": message},
            status=status,
            headers={"x-amzn-ErrorType": code, "x-amzn-RequestId": str(uuid.uuid4())},
        )

    async def _signed_json(self, request: web.Request) -> dict[str, Any] | web.Response:
        """The request's JSON body once its signature checks out, or AWS's refusal."""
        raw = await request.read()
        try:
            body: dict[str, Any] = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        self.record(request, body=body)
        try:
            verify(request, raw, service=self.signing_name, region=self.region, keys=self.keys)
        except SignatureRefused as refused:
            return self.error_response(403, refused.message, refused.code)
        if (failure := await self.injected_failure()) is not None:
            return failure
        return body

    def invalid(self, message: str) -> web.Response:
        return self.error_response(400, message, "ValidationException")


@dataclass
class PollyServer(_AwsService):
    """Polly's SynthesizeSpeech: real speech (``engines``) encoded as the MP3 asked for."""

    signing_name: str = "polly"
    voices: tuple[str, ...] = ("Ruth", "Joanna", "Matthew", "Amy")

    def app(self) -> web.Application:
        return application(web.post("/v1/speech", self._speech))

    async def _speech(self, request: web.Request) -> web.StreamResponse:
        body = await self._signed_json(request)
        if isinstance(body, web.Response):
            return body
        text, voice = body.get("Text"), body.get("VoiceId")
        if not isinstance(text, str) or not text.strip():
            return self.invalid("1 validation error detected: Value at 'text' must not be null")
        if voice not in self.voices:
            return self.invalid(
                f"1 validation error detected: Value '{voice}' at 'voiceId' failed to satisfy "
                "constraint: Member must satisfy enum value set"
            )
        if body.get("OutputFormat") != "mp3":
            return self.invalid("this double answers OutputFormat 'mp3' only")
        rate = int(body.get("SampleRate") or 24_000)
        audio = await engines.speak_mp3(text, rate)
        return web.Response(
            body=audio,
            content_type="audio/mpeg",
            headers={
                "x-amzn-RequestCharacters": str(len(text)),
                "x-amzn-RequestId": str(uuid.uuid4()),
            },
        )


@dataclass
class BedrockServer(_AwsService, ChatDouble):
    """Bedrock's ConverseStream: answers the last user turn (``derived_reply``), or asks for
    ``tool_call`` first when one is set and no tool result came back yet."""

    signing_name: str = "bedrock"
    models: tuple[str, ...] = ("amazon.nova-lite-v1:0", "anthropic.claude-3-haiku-20240307-v1:0")

    def app(self) -> web.Application:
        return application(web.post("/model/{model}/converse-stream", self._converse_stream))

    async def _converse_stream(self, request: web.Request) -> web.StreamResponse:
        body = await self._signed_json(request)
        if isinstance(body, web.Response):
            return body
        if request.match_info["model"] not in self.models:
            return self.invalid("The provided model identifier is invalid.")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return self.invalid("A conversation must start with a user message.")
        if messages[0].get("role") != "user":
            return self.invalid("A conversation must start with a user message.")
        resp = web.StreamResponse(
            headers={
                "content-type": "application/vnd.amazon.eventstream",
                "x-amzn-RequestId": str(uuid.uuid4()),
            }
        )
        await resp.prepare(request)

        async def send(event_type: str, payload: dict[str, Any]) -> None:
            await resp.write(event_message(event_type, payload))

        await send("messageStart", {"role": "assistant"})
        blocks = [b for m in messages for b in m.get("content", [])]
        if self.tool_call is not None and not any("toolResult" in b for b in blocks):
            start = {
                "toolUse": {
                    "toolUseId": f"tooluse_{uuid.uuid4().hex[:8]}",
                    "name": self.tool_call["name"],
                }
            }
            await send("contentBlockStart", {"start": start, "contentBlockIndex": 0})
            arguments = json.dumps(self.tool_call.get("arguments", {}))
            await send(
                "contentBlockDelta",
                {"delta": {"toolUse": {"input": arguments}}, "contentBlockIndex": 0},
            )
            stop = "tool_use"
        else:
            said = [
                " ".join(b.get("text", "") for b in m.get("content", []))
                for m in messages
                if m.get("role") == "user"
            ]
            text = self.answer("Bedrock", said)
            for i, word in enumerate(text.split(" ")):
                delta = {"text": word if i == 0 else " " + word}
                await send("contentBlockDelta", {"delta": delta, "contentBlockIndex": 0})
            stop = "end_turn"
        await send("contentBlockStop", {"contentBlockIndex": 0})
        await send("messageStop", {"stopReason": stop})
        usage = {"inputTokens": 12, "outputTokens": 9, "totalTokens": 21}
        await send("metadata", {"usage": usage, "metrics": {"latencyMs": 5}})
        await resp.write_eof()
        return resp
