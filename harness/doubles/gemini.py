"""The Gemini API (google-genai's Developer API): ``POST /{version}/models/{model}:
streamGenerateContent?alt=sse`` and ``GET /{version}/models[/{model}]``, with the checks the
service makes (``x-goog-api-key``, a known model, ``contents`` with user/model roles)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from harness.doubles.base import ChatDouble, application

STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
}


@dataclass
class GeminiServer(ChatDouble):
    """Gemini as its API serves it: answers the last user turn (``derived_reply``), or calls
    ``tool_call`` first when one is set and no function response came back yet."""

    api_key: str = "gemini-test-key"
    models: tuple[str, ...] = ("gemini-2.5-flash", "gemini-2.5-pro")

    def app(self) -> web.Application:
        return application(
            web.post("/{version}/models/{model}:streamGenerateContent", self._stream),
            web.get("/{version}/models", self._list_models),
            web.get("/{version}/models/{model}", self._get_model),
        )

    def error_response(self, status: int, message: str) -> web.Response:
        error = {"code": status, "message": message, "status": STATUS.get(status, "INTERNAL")}
        return web.json_response({"error": error}, status=status)

    def _refusal(self, request: web.Request) -> web.Response | None:
        if request.headers.get("x-goog-api-key") != self.api_key:
            return self.error_response(400, "API key not valid. Please pass a valid API key.")
        return None

    def _unknown(self, request: web.Request, model: str) -> web.Response | None:
        if model in self.models:
            return None
        version = request.match_info["version"]
        return self.error_response(404, f"models/{model} is not found for API version {version}")

    def _model(self, model: str) -> dict[str, Any]:
        return {
            "name": f"models/{model}",
            "displayName": model,
            "supportedGenerationMethods": ["generateContent", "streamGenerateContent"],
        }

    async def _list_models(self, request: web.Request) -> web.Response:
        self.record(request)
        if (refusal := self._refusal(request)) is not None:
            return refusal
        size = int(request.query.get("pageSize", "50"))
        return web.json_response({"models": [self._model(m) for m in self.models[:size]]})

    async def _get_model(self, request: web.Request) -> web.Response:
        self.record(request)
        model = request.match_info["model"]
        refusal = self._refusal(request) or self._unknown(request, model)
        return refusal or web.json_response(self._model(model))

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.record(request, body=body)
        model = request.match_info["model"]
        if (refusal := self._refusal(request) or self._unknown(request, model)) is not None:
            return refusal
        contents = body.get("contents")
        if not isinstance(contents, list) or not contents:
            return self.error_response(
                400, "* GenerateContentRequest.contents: contents is not specified"
            )
        if any(c.get("role") not in ("user", "model") for c in contents):
            return self.error_response(400, "Please use a valid role: user, model.")
        if request.query.get("alt") != "sse":
            return self.error_response(400, "this double streams server-sent events only (alt=sse)")
        if (failure := await self.injected_failure()) is not None:
            return failure
        resp = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await resp.prepare(request)

        async def send(parts: list[dict[str, Any]], finish: str | None = None) -> None:
            candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
            if finish:
                candidate["finishReason"] = finish
            chunk: dict[str, Any] = {"candidates": [candidate], "modelVersion": model}
            if finish:
                chunk["usageMetadata"] = {
                    "promptTokenCount": 12,
                    "candidatesTokenCount": 9,
                    "totalTokenCount": 21,
                }
            await resp.write(f"data: {json.dumps(chunk)}\r\n\r\n".encode())

        parts_sent = [p for c in contents for p in c.get("parts", [])]
        answered = any("functionResponse" in p for p in parts_sent)
        if self.tool_call is not None and not answered:
            call = {"name": self.tool_call["name"], "args": self.tool_call.get("arguments", {})}
            await send([{"functionCall": call}], "STOP")
        else:
            said = [
                " ".join(p.get("text", "") for p in c.get("parts", []))
                for c in contents
                if c["role"] == "user"
            ]
            text = self.answer("Gemini", said)
            words = text.split(" ")
            half = len(words) // 2
            await send([{"text": " ".join(words[:half]) + " "}])
            await send([{"text": " ".join(words[half:])}], "STOP")
        await resp.write_eof()
        return resp
