"""OpenAI's REST protocol (chat completions streamed as SSE, transcriptions, speech), as
OpenAI and Azure OpenAI serve it."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField

from harness.doubles.base import WireServer, application, tone_pcm


@dataclass
class OpenAIServer(WireServer):
    """OpenAI (and Azure OpenAI) chat completions with SSE streaming, plus the audio routes."""

    reply: str = "Hello from the fake model."
    transcript: str = "hello from the fake transcriber"
    tool_call: dict[str, Any] | None = None

    def app(self) -> web.Application:
        # Azure OpenAI serves the same chat completions under a deployment's path.
        chats = ["/v1/chat/completions", "/openai/deployments/{deployment}/chat/completions"]
        return application(
            *(web.post(path, self._chat) for path in chats),
            web.post("/v1/audio/transcriptions", self._transcribe),
            web.post("/v1/audio/speech", self._speech),
        )

    def error_response(self, status: int, message: str) -> web.Response:
        return web.json_response(
            {"error": {"message": message, "type": "server_error"}}, status=status
        )

    async def _intake(self, request: web.Request, body: Any) -> web.Response | None:
        """Record the request; the failure to answer with when one is injected."""
        self.record(request, body=body)
        return await self.injected_failure()

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        if (failure := await self._intake(request, body)) is not None:
            return failure
        resp = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await resp.prepare(request)
        cid = f"chatcmpl-{uuid.uuid4().hex[:8]}"

        async def send(delta: dict[str, Any], finish: str | None = None) -> None:
            chunk = {
                "id": cid,
                "object": "chat.completion.chunk",
                "created": 0,
                "model": body.get("model", "fake"),
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }
            await resp.write(f"data: {json.dumps(chunk)}\n\n".encode())

        has_tool_result = any(m.get("role") == "tool" for m in body.get("messages", []))
        if self.tool_call is not None and not has_tool_result:
            await send(
                {
                    "role": "assistant",
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "call_1",
                            "type": "function",
                            "function": {
                                "name": self.tool_call["name"],
                                "arguments": json.dumps(self.tool_call.get("arguments", {})),
                            },
                        }
                    ],
                }
            )
            await send({}, "tool_calls")
        else:
            await send({"role": "assistant", "content": ""})
            for i, word in enumerate(self.reply.split(" ")):
                await send({"content": word if i == 0 else " " + word})
            await send({}, "stop")
        await resp.write(b"data: [DONE]\n\n")
        await resp.write_eof()
        return resp

    async def _transcribe(self, request: web.Request) -> web.Response:
        form = await request.post()
        audio = form.get("file")
        size = len(audio.file.read()) if isinstance(audio, FileField) else 0
        failure = await self._intake(request, {"model": form.get("model"), "bytes": size})
        if failure is not None:
            return failure
        return web.json_response({"text": self.transcript})

    async def _speech(self, request: web.Request) -> web.Response:
        body = await request.json()
        if (failure := await self._intake(request, body)) is not None:
            return failure
        # the plugin asks for raw 24 kHz PCM
        return web.Response(body=tone_pcm(0.3, 24_000), content_type="audio/pcm")
