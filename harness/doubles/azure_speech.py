"""Azure AI Speech: text-to-speech over REST, recognition over the Speech SDK's websocket
protocol (USP)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from harness.doubles.base import WireServer, application, tone_pcm


@dataclass
class AzureTTSServer(WireServer):
    """Azure AI Speech text-to-speech REST endpoint (``/cognitiveservices/v1``)."""

    def app(self) -> web.Application:
        return application(web.post("/cognitiveservices/v1", self._synthesize))

    async def _synthesize(self, request: web.Request) -> web.Response:
        ssml = await request.text()
        self.record(request, ssml=ssml)
        if (failure := await self.injected_failure()) is not None:
            return failure
        fmt = request.headers.get("X-Microsoft-OutputFormat", "")
        rate = 24_000 if "24khz" in fmt else 16_000
        return web.Response(body=tone_pcm(0.3, rate), content_type="audio/x-wav")


def _usp(path: str, request_id: str, body: dict[str, Any]) -> str:
    """One text message of the Speech SDK's websocket protocol (USP)."""
    return (
        f"X-RequestId:{request_id}\r\nPath:{path}\r\n"
        "Content-Type:application/json; charset=utf-8\r\n"
        f"X-Timestamp:2030-01-01T00:00:00.000Z\r\n\r\n{json.dumps(body)}"
    )


@dataclass
class AzureSpeechSTTServer(WireServer):
    """Azure AI Speech recognition over its websocket protocol (USP), as the SDK speaks it.

    The SDK connects to ``{host}/speech/recognition/conversation/cognitiveservices/v1``,
    sends ``speech.config`` and ``speech.context`` text messages and binary audio
    messages (2-byte header length, headers, PCM); after ``answer_after`` audio
    messages this server answers one turn: start, hypothesis, phrase, end.
    """

    transcript: str = "Hello from Azure."
    answer_after: int = 20
    connections: list[dict[str, Any]] = field(default_factory=list)
    audio_bytes: int = 0

    def app(self) -> web.Application:
        return application(
            web.get("/speech/recognition/conversation/cognitiveservices/v1", self._ws)
        )

    async def _ws(self, request: web.Request) -> web.StreamResponse:
        self.connections.append({"query": dict(request.query), "headers": dict(request.headers)})
        if (failure := await self.injected_failure()) is not None:
            return failure
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
