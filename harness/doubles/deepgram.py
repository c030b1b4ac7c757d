"""Deepgram's streaming recognition (``GET /v1/listen`` upgraded to a websocket) as the
service speaks it: ``Authorization: Token …`` checked at the handshake, a known model,
``linear16`` PCM in binary messages, ``KeepAlive``/``Finalize``/``CloseStream`` as text;
``SpeechStarted`` when speech begins and a final ``Results`` (``is_final``,
``speech_final``) when it ends. The words are really recognised: Silero VAD cuts the
utterance and Whisper tiny.en transcribes it (``engines``)."""

from __future__ import annotations

import asyncio
import functools
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from aiohttp import web
from livekit import rtc
from livekit.agents import utils, vad

from harness.doubles import engines
from harness.doubles.base import WireServer, application


@functools.cache
def _vad() -> vad.VAD:
    from livekit.plugins import silero

    return silero.VAD.load(min_silence_duration=0.5)


def results(text: str, start: float, duration: float, *, from_finalize: bool) -> dict[str, Any]:
    """A final ``Results`` message for ``text`` spoken from ``start`` for ``duration`` s."""
    words = text.split()
    step = duration / max(len(words), 1)
    return {
        "type": "Results",
        "channel_index": [0, 1],
        "start": start,
        "duration": duration,
        "is_final": True,
        "speech_final": True,
        "from_finalize": from_finalize,
        "channel": {
            "alternatives": [
                {
                    "transcript": text,
                    "confidence": 0.97,
                    "words": [
                        {
                            "word": w.strip(".,!?").lower(),
                            "punctuated_word": w,
                            "start": start + i * step,
                            "end": start + (i + 1) * step,
                            "confidence": 0.97,
                        }
                        for i, w in enumerate(words)
                    ],
                }
            ]
        },
        "metadata": {"request_id": str(uuid.uuid4()), "model_info": {"name": "general"}},
    }


@dataclass
class DeepgramServer(WireServer):
    """Live transcription; ``finals`` keeps every final transcript sent."""

    api_key: str = "deepgram-test-key"
    models: tuple[str, ...] = ("nova-3", "nova-2")
    finals: list[str] = field(default_factory=list)

    def app(self) -> web.Application:
        return application(web.get("/v1/listen", self._listen))

    def error_response(self, status: int, message: str) -> web.Response:
        code = {401: "INVALID_AUTH", 400: "Bad Request"}.get(status, "INTERNAL_SERVER_ERROR")
        return web.json_response({"err_code": code, "err_msg": message}, status=status)

    def _refusal(self, request: web.Request) -> web.Response | None:
        if request.headers.get("Authorization") != f"Token {self.api_key}":
            return self.error_response(401, "Invalid credentials.")
        query = request.query
        if query.get("model") not in self.models:
            return self.error_response(400, "No such model/language/tier combination found.")
        if query.get("encoding") != "linear16" or not query.get("sample_rate", "").isdigit():
            return self.error_response(400, "this double decodes linear16 at a given sample_rate")
        if query.get("channels", "1") != "1":
            return self.error_response(400, "this double decodes one channel")
        return None

    async def _listen(self, request: web.Request) -> web.StreamResponse:
        self.record(request)
        if (refusal := self._refusal(request)) is not None:
            return refusal
        if (failure := await self.injected_failure()) is not None:
            return failure
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        rate = int(request.query["sample_rate"])
        await _Transcription(self, ws, rate).run()
        return ws


class _Transcription:
    """One websocket: audio in, VAD-cut utterances recognised and sent back in order."""

    def __init__(self, server: DeepgramServer, ws: web.WebSocketResponse, rate: int) -> None:
        self._server = server
        self._ws = ws
        self._rate = rate
        self._received = 0  # samples
        self._speech: list[np.ndarray] = []  # since the last speech start
        self._speaking = False
        self._finalized = False  # part of the current utterance went out on a Finalize
        self._send_lock = asyncio.Lock()

    async def _send(self, message: dict[str, Any]) -> None:
        async with self._send_lock:
            if not self._ws.closed:
                await self._ws.send_str(json.dumps(message))

    async def _final(self, pcm: np.ndarray, *, from_finalize: bool) -> None:
        duration = len(pcm) / self._rate
        start = max(self._received / self._rate - duration, 0.0)
        text = await engines.hear(pcm, self._rate)
        if text:
            self._server.finals.append(text)
            await self._send(results(text, start, duration, from_finalize=from_finalize))

    async def _vad_events(self, stream: vad.VADStream) -> None:
        async for event in stream:
            if event.type == vad.VADEventType.START_OF_SPEECH and not self._speaking:
                self._speaking = True
                start = self._received / self._rate
                await self._send({"type": "SpeechStarted", "channel": [0], "timestamp": start})
            elif event.type == vad.VADEventType.END_OF_SPEECH and self._speaking:
                self._speaking = False
                if self._finalized:
                    # part of it went out on a Finalize: only the rest is left to say
                    pcm = np.concatenate(self._speech) if self._speech else None
                elif event.frames:
                    audio = utils.combine_frames(event.frames)
                    pcm = np.frombuffer(bytes(audio.data), dtype=np.int16)
                else:
                    pcm = None
                self._speech.clear()
                self._finalized = False
                if pcm is not None and pcm.size:
                    await self._final(pcm, from_finalize=False)

    async def run(self) -> None:
        stream = _vad().stream()
        reader = asyncio.create_task(self._vad_events(stream))
        try:
            async for msg in self._ws:
                if msg.type == web.WSMsgType.BINARY:
                    samples = np.frombuffer(msg.data, dtype=np.int16)
                    self._received += len(samples)
                    if self._speaking:
                        self._speech.append(samples)
                    stream.push_frame(rtc.AudioFrame(msg.data, self._rate, 1, len(samples)))
                elif msg.type == web.WSMsgType.TEXT:
                    kind = json.loads(msg.data).get("type")
                    if kind == "Finalize" and self._speaking and self._speech:
                        # what was said so far is final now; the utterance starts afresh
                        pcm = np.concatenate(self._speech)
                        self._speech.clear()
                        self._finalized = True
                        await self._final(pcm, from_finalize=True)
                    elif kind == "CloseStream":
                        break
        finally:
            stream.end_input()
            try:
                await asyncio.wait_for(reader, timeout=30)  # the last utterance, recognised
            finally:
                await stream.aclose()
            duration = self._received / self._rate
            await self._send({"type": "Metadata", "duration": duration, "channels": 1})
            await self._ws.close()
