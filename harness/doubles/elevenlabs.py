"""ElevenLabs' multi-context websocket (``/v1/text-to-speech/{voice}/multi-stream-input``)
as the service speaks it: ``xi-api-key`` checked at the handshake, a known voice and
model, several contexts on one socket (``context_id`` in, ``contextId`` out), text
buffered until a sentence ends or ``flush``, base64 audio back, ``isFinal`` once a context
is closed. The audio is real speech (``engines``), raw PCM at the ``pcm_*`` rate asked for.
Also ``GET /v1/voices/{voice}``, which a start-up check reads."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from harness.doubles import engines
from harness.doubles.base import WireServer, application

DEFAULT_VOICE = "hpp4J3VqNfWAUOO0d1Us"
CHUNK_S = 0.25
_SENTENCE_END = re.compile(r"[.!?]\s*$")


@dataclass
class ElevenLabsServer(WireServer):
    """Speech for each context; ``spoken`` keeps (context id, text) for every synthesis."""

    api_key: str = "elevenlabs-test-key"
    voices: tuple[str, ...] = (DEFAULT_VOICE,)
    models: tuple[str, ...] = ("eleven_turbo_v2_5", "eleven_flash_v2_5")
    spoken: list[tuple[str, str]] = field(default_factory=list)

    def app(self) -> web.Application:
        return application(
            web.get("/v1/text-to-speech/{voice}/multi-stream-input", self._multi_stream),
            web.get("/v1/voices/{voice}", self._voice),
        )

    def error_response(self, status: int, message: str) -> web.Response:
        status_name = {401: "invalid_api_key", 400: "voice_not_found"}.get(status, "error")
        return web.json_response(
            {"detail": {"status": status_name, "message": message}}, status=status
        )

    def _refusal(self, request: web.Request) -> web.Response | None:
        if request.headers.get("xi-api-key") != self.api_key:
            return self.error_response(401, "Invalid API key")
        voice = request.match_info["voice"]
        if voice not in self.voices:
            return self.error_response(400, f"A voice for the voice_id {voice} was not found.")
        return None

    async def _voice(self, request: web.Request) -> web.Response:
        self.record(request)
        refusal = self._refusal(request)
        voice = request.match_info["voice"]
        return refusal or web.json_response(
            {"voice_id": voice, "name": "Test", "category": "premade"}
        )

    async def _multi_stream(self, request: web.Request) -> web.StreamResponse:
        self.record(request)
        if (refusal := self._refusal(request)) is not None:
            return refusal
        query = request.query
        if query.get("model_id") not in self.models:
            return web.json_response(
                {"detail": {"status": "model_not_found", "message": "Model not found"}}, status=400
            )
        output = query.get("output_format", "")
        if not re.fullmatch(r"pcm_\d+", output):
            return self.error_response(400, "this double answers raw PCM (pcm_<rate>) only")
        if (failure := await self.injected_failure()) is not None:
            return failure
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        rate = int(output.split("_")[1])
        pending: dict[str, str] = {}  # context id → text not yet spoken
        async for msg in ws:
            if msg.type != web.WSMsgType.TEXT:
                continue
            data: dict[str, Any] = json.loads(msg.data)
            if data.get("close_socket"):
                break
            context = data.get("context_id")
            if not isinstance(context, str):
                await ws.send_str(json.dumps({"error": "context_id is required"}))
                continue
            if data.get("close_context"):
                await self._speak(ws, context, pending.pop(context, ""), rate)
                await ws.send_str(json.dumps({"contextId": context, "isFinal": True}))
                continue
            pending[context] = pending.get(context, "") + str(data.get("text", ""))
            if data.get("flush") or _SENTENCE_END.search(pending[context]):
                await self._speak(ws, context, pending.pop(context), rate)
        return ws

    async def _speak(self, ws: web.WebSocketResponse, context: str, text: str, rate: int) -> None:
        if not text.strip():
            return
        self.spoken.append((context, text.strip()))
        pcm = await engines.speak(text.strip(), rate)
        step = int(rate * CHUNK_S)
        for start in range(0, len(pcm), step):
            audio = base64.b64encode(pcm[start : start + step].tobytes()).decode()
            await ws.send_str(json.dumps({"audio": audio, "contextId": context, "isFinal": None}))
