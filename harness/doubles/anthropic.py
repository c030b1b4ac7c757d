"""Anthropic's Messages API: ``POST /v1/messages`` streamed as server-sent events, and the
model list (``GET /v1/models``, ``GET /v1/models/{id}``), with the checks the service
makes (``x-api-key``, ``anthropic-version``, a known model, ``max_tokens``, messages)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from harness.doubles.base import ChatDouble, application


def _text_of(content: Any) -> str:
    """The text of a message's content: a string or a list of content blocks."""
    if isinstance(content, str):
        return content
    return " ".join(b.get("text", "") for b in content if b.get("type") == "text")


@dataclass
class AnthropicServer(ChatDouble):
    """Claude as its API serves it: answers the last user message (``derived_reply``), or
    asks for ``tool_call`` first when one is set and no tool result came back yet."""

    api_key: str = "anthropic-test-key"
    models: tuple[str, ...] = ("claude-haiku-4-5", "claude-sonnet-4-5")

    def app(self) -> web.Application:
        return application(
            web.post("/v1/messages", self._messages),
            web.get("/v1/models", self._list_models),
            web.get("/v1/models/{model}", self._get_model),
        )

    def error_response(self, status: int, message: str) -> web.Response:
        kinds = {400: "invalid_request_error", 401: "authentication_error", 404: "not_found_error"}
        kind = kinds.get(status, "api_error")
        return web.json_response(
            {"type": "error", "error": {"type": kind, "message": message}}, status=status
        )

    def _refusal(self, request: web.Request) -> web.Response | None:
        if request.headers.get("x-api-key") != self.api_key:
            return self.error_response(401, "invalid x-api-key")
        if not request.headers.get("anthropic-version"):
            return self.error_response(400, "anthropic-version: header is required")
        return None

    def _model(self, model: str) -> dict[str, Any]:
        return {"type": "model", "id": model, "display_name": model, "created_at": "2025-01-01"}

    async def _list_models(self, request: web.Request) -> web.Response:
        self.record(request)
        if (refusal := self._refusal(request)) is not None:
            return refusal
        limit = int(request.query.get("limit", "20"))
        data = [self._model(m) for m in self.models[:limit]]
        return web.json_response(
            {"data": data, "has_more": False, "first_id": data[0]["id"], "last_id": data[-1]["id"]}
        )

    async def _get_model(self, request: web.Request) -> web.Response:
        self.record(request)
        if (refusal := self._refusal(request)) is not None:
            return refusal
        model = request.match_info["model"]
        if model not in self.models:
            return self.error_response(404, f"model: {model}")
        return web.json_response(self._model(model))

    def _invalid(self, body: dict[str, Any]) -> str | None:
        if not isinstance(body.get("max_tokens"), int):
            return "max_tokens: Field required"
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return "messages: at least one message is required"
        if any(m.get("role") not in ("user", "assistant") for m in messages):
            return "messages: roles must be 'user' or 'assistant'"
        return None

    async def _messages(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.record(request, body=body)
        if (refusal := self._refusal(request)) is not None:
            return refusal
        if (problem := self._invalid(body)) is not None:
            return self.error_response(400, problem)
        if body.get("model") not in self.models:
            return self.error_response(404, f"model: {body.get('model')}")
        if (failure := await self.injected_failure()) is not None:
            return failure
        resp = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await resp.prepare(request)

        async def send(event: str, data: dict[str, Any]) -> None:
            await resp.write(
                f"event: {event}\ndata: {json.dumps({'type': event, **data})}\n\n".encode()
            )

        await send(
            "message_start",
            {
                "message": {
                    "id": f"msg_{uuid.uuid4().hex[:12]}",
                    "type": "message",
                    "role": "assistant",
                    "content": [],
                    "model": body["model"],
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": {"input_tokens": 12, "output_tokens": 1},
                }
            },
        )
        messages = body["messages"]
        answered_tool = any(
            isinstance(m["content"], list)
            and any(b.get("type") == "tool_result" for b in m["content"])
            for m in messages
        )
        if self.tool_call is not None and not answered_tool:
            stop = "tool_use"
            await send(
                "content_block_start",
                {
                    "index": 0,
                    "content_block": {
                        "type": "tool_use",
                        "id": f"toolu_{uuid.uuid4().hex[:12]}",
                        "name": self.tool_call["name"],
                        "input": {},
                    },
                },
            )
            arguments = json.dumps(self.tool_call.get("arguments", {}))
            delta = {"type": "input_json_delta", "partial_json": arguments}
            await send("content_block_delta", {"index": 0, "delta": delta})
        else:
            stop = "end_turn"
            said = [_text_of(m["content"]) for m in messages if m["role"] == "user"]
            text = self.answer("Claude", said)
            await send(
                "content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}}
            )
            await send("ping", {})
            for i, word in enumerate(text.split(" ")):
                delta = {"type": "text_delta", "text": word if i == 0 else " " + word}
                await send("content_block_delta", {"index": 0, "delta": delta})
        await send("content_block_stop", {"index": 0})
        await send(
            "message_delta",
            {"delta": {"stop_reason": stop, "stop_sequence": None}, "usage": {"output_tokens": 9}},
        )
        await send("message_stop", {})
        await resp.write_eof()
        return resp
