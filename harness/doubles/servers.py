"""Local servers that speak the providers' and the API's wire protocols, on free ports."""

from __future__ import annotations

import asyncio
import json
import math
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from aiohttp import web
from aiohttp.web_request import FileField

from harness.doubles.contract import api_contract
from harness.ports import free_port

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@asynccontextmanager
async def serve(app: web.Application) -> AsyncIterator[str]:
    """Run ``app`` on a free loopback port; yields its base URL."""
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def application(*routes: web.RouteDef) -> web.Application:
    """An aiohttp application serving ``routes``."""
    app = web.Application()
    app.add_routes(routes)
    return app


def tone_pcm(seconds: float, rate: int, freq: float = 440.0) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    return (np.sin(2 * math.pi * freq * t) * 8000).astype(np.int16).tobytes()


@dataclass
class Behaviour:
    """How a fake provider answers: normally, with an error status, or never."""

    status: int = 200
    """Non-200 answers with this status and an error body."""
    hang: bool = False
    """Accept the request and never answer (a timeout for the client)."""


@dataclass
class OpenAIServer:
    """OpenAI (and Azure OpenAI) chat completions with SSE streaming, plus the audio routes."""

    reply: str = "Hello from the fake model."
    transcript: str = "hello from the fake transcriber"
    tool_call: dict[str, Any] | None = None
    behaviour: Behaviour = field(default_factory=Behaviour)
    requests: list[dict[str, Any]] = field(default_factory=list)
    _release: asyncio.Event = field(default_factory=asyncio.Event)

    def app(self) -> web.Application:
        # Azure OpenAI serves the same chat completions under a deployment's path.
        chats = ["/v1/chat/completions", "/openai/deployments/{deployment}/chat/completions"]
        return application(
            *(web.post(path, self._chat) for path in chats),
            web.post("/v1/audio/transcriptions", self._transcribe),
            web.post("/v1/audio/speech", self._speech),
        )

    def release(self) -> None:
        """End any hanging request (so the server can shut down)."""
        self._release.set()

    async def _misbehave(self) -> web.Response | None:
        if self.behaviour.hang:
            await self._release.wait()
            return web.json_response({"error": {"message": "released"}}, status=503)
        if self.behaviour.status != 200:
            return web.json_response(
                {"error": {"message": "injected failure", "type": "server_error"}},
                status=self.behaviour.status,
            )
        return None

    def _record(self, request: web.Request, body: Any) -> None:
        self.requests.append(
            {
                "path": request.path,
                "query": dict(request.query),
                "headers": dict(request.headers),
                "body": body,
            }
        )

    async def _intake(self, request: web.Request, body: Any) -> web.Response | None:
        """Record the request; the failure to answer with when one is injected."""
        self._record(request, body)
        return await self._misbehave()

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


@dataclass
class AzureTTSServer:
    """Azure AI Speech text-to-speech REST endpoint (``/cognitiveservices/v1``)."""

    behaviour: Behaviour = field(default_factory=Behaviour)
    requests: list[dict[str, Any]] = field(default_factory=list)

    def app(self) -> web.Application:
        return application(web.post("/cognitiveservices/v1", self._synthesize))

    async def _synthesize(self, request: web.Request) -> web.Response:
        ssml = await request.text()
        self.requests.append({"headers": dict(request.headers), "ssml": ssml})
        if self.behaviour.status != 200:
            return web.Response(status=self.behaviour.status, text="injected failure")
        fmt = request.headers.get("X-Microsoft-OutputFormat", "")
        rate = 24_000 if "24khz" in fmt else 16_000
        return web.Response(body=tone_pcm(0.3, rate), content_type="audio/x-wav")


@dataclass
class FakeParleyApi:
    """The agent-facing API routes, in memory, with switchable outages. Every request is
    checked against docs/openapi.json first: one the real API would refuse is answered 422
    and kept in ``violations``."""

    segments: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    uploads: dict[str, dict[str, Any]] = field(default_factory=dict)
    transcript_posts: list[int] = field(default_factory=list)
    status: int = 200
    reject_transcripts: bool = False
    violations: list[str] = field(default_factory=list)
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)

    def app(self) -> web.Application:
        @web.middleware
        async def check_contract(request: web.Request, handler: Handler) -> web.StreamResponse:
            problems = api_contract().violations(
                request.method, request.path, request.query, request.headers, await request.read()
            )
            if problems:
                self.violations.extend(problems)
                return web.json_response(
                    {"error": "contract_violation", "message": "; ".join(problems)}, status=422
                )
            return await handler(request)

        session = "/api/sessions/{sid}"
        app = application(
            web.post(f"{session}/transcript", self._transcript),
            web.post(f"{session}/events", self._events),
            web.get(f"{session}/uploads", self._list_uploads),
            web.get(f"{session}/uploads/{{uid}}", self._get_upload),
            web.get("/api/tenants/{tenant}/profile", self._profile),
        )
        app.middlewares.append(check_contract)
        return app

    def add_document(self, session_id: str, filename: str, text: str) -> str:
        upload_id = uuid.uuid4().hex[:24]  # the API issues 24 hex digits
        self.uploads[upload_id] = {
            "uploadId": upload_id,
            "sessionId": session_id,
            "filename": filename,
            "status": "ready",
            "text": text,
        }
        return upload_id

    async def _transcript(self, request: web.Request) -> web.Response:
        if request.headers.get("x-api-key") != "agent-key":
            return web.json_response({"error": "unauthorized"}, status=401)
        if self.status != 200:
            return web.json_response({"error": "down"}, status=self.status)
        body = await request.json()
        if self.reject_transcripts:
            return web.json_response({"error": "invalid"}, status=422)
        self.transcript_posts.append(len(body["segments"]))
        for seg in body["segments"]:
            self.segments[seg["id"]] = seg
        return web.json_response({"accepted": len(body["segments"])})

    async def _events(self, request: web.Request) -> web.Response:
        if self.status != 200:
            return web.json_response({"error": "down"}, status=self.status)
        body = await request.json()
        for event in body["events"]:
            self.events[event["id"]] = event
        return web.json_response({"accepted": len(body["events"])})

    async def _list_uploads(self, request: web.Request) -> web.Response:
        sid = request.match_info["sid"]
        items = [u for u in self.uploads.values() if u["sessionId"] == sid]
        if request.query.get("includeText") != "true":
            items = [{k: v for k, v in u.items() if k != "text"} for u in items]
        return web.json_response({"items": items})

    async def _get_upload(self, request: web.Request) -> web.Response:
        upload = self.uploads.get(request.match_info["uid"])
        if upload is None:
            return web.json_response({"error": "not_found"}, status=404)
        return web.json_response(upload)

    async def _profile(self, request: web.Request) -> web.Response:
        return web.json_response(self.profiles.get(request.match_info["tenant"], {}))


def _usp(path: str, request_id: str, body: dict[str, Any]) -> str:
    """One text message of the Speech SDK's websocket protocol (USP)."""
    return (
        f"X-RequestId:{request_id}\r\nPath:{path}\r\n"
        "Content-Type:application/json; charset=utf-8\r\n"
        f"X-Timestamp:2030-01-01T00:00:00.000Z\r\n\r\n{json.dumps(body)}"
    )


@dataclass
class AzureSpeechSTTServer:
    """Azure AI Speech recognition over its websocket protocol (USP), as the SDK speaks it.

    The SDK connects to ``{host}/speech/recognition/conversation/cognitiveservices/v1``,
    sends ``speech.config`` and ``speech.context`` text messages and binary audio
    messages (2-byte header length, headers, PCM); after ``answer_after`` audio
    messages this server answers one turn: start, hypothesis, phrase, end.
    """

    transcript: str = "Hello from Azure."
    answer_after: int = 20
    behaviour: Behaviour = field(default_factory=Behaviour)
    connections: list[dict[str, Any]] = field(default_factory=list)
    audio_bytes: int = 0

    def app(self) -> web.Application:
        return application(
            web.get("/speech/recognition/conversation/cognitiveservices/v1", self._ws)
        )

    async def _ws(self, request: web.Request) -> web.StreamResponse:
        self.connections.append({"query": dict(request.query), "headers": dict(request.headers)})
        if self.behaviour.status != 200:
            return web.Response(status=self.behaviour.status, text="injected failure")
        ws = web.WebSocketResponse(protocols=("USP",))
        await ws.prepare(request)
        request_id, audio_messages, answered = "", 0, False
        async for msg in ws:
            if msg.type == web.WSMsgType.TEXT:
                headers = msg.data.split("\r\n\r\n", 1)[0]
            elif msg.type == web.WSMsgType.BINARY:
                size = int.from_bytes(msg.data[:2], "big")
                headers = msg.data[2 : 2 + size].decode()
                self.audio_bytes += len(msg.data) - 2 - size
                audio_messages += 1
            else:
                continue
            for line in headers.split("\r\n"):
                if line.lower().startswith("x-requestid:"):
                    request_id = line.split(":", 1)[1]
            if audio_messages >= self.answer_after and not answered:
                answered = True
                ticks = 10_000_000  # the protocol counts 100 ns ticks
                first = self.transcript.split(" ")[0]
                for path, body in (
                    ("turn.start", {"context": {"serviceTag": "fake"}}),
                    ("speech.startDetected", {"Offset": ticks}),
                    ("speech.hypothesis", {"Text": first, "Offset": ticks, "Duration": ticks}),
                    (
                        "speech.phrase",
                        {
                            "RecognitionStatus": "Success",
                            "DisplayText": self.transcript,
                            "Offset": ticks,
                            "Duration": 2 * ticks,
                        },
                    ),
                    ("speech.endDetected", {"Offset": 3 * ticks}),
                    ("turn.end", {}),
                ):
                    await ws.send_str(_usp(path, request_id, body))
        return ws
