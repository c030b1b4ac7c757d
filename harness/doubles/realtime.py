"""The OpenAI realtime WebSocket protocol, as OpenAI, Azure OpenAI and Azure Voice Live serve
it, answering for real (``realtime_voice``: Whisper hears, the offline responder decides,
Piper speaks).

Paths: ``/v1/realtime`` (OpenAI) and ``/openai/v1/realtime`` (Azure OpenAI, GA) send the GA
event names; ``/openai/realtime?api-version=`` (Azure OpenAI, preview) and
``/voice-live/realtime`` (Voice Live) send the beta names. Server VAD (Silero, as the agent
runs it) sends ``input_audio_buffer.speech_started/stopped/committed``, commits the turn,
transcribes it and answers; a tool call goes out as a ``function_call`` item and the reply
comes once the client creates its output and asks for a response.

Failures on demand: ``behaviour.status`` refuses the WebSocket upgrade, ``error_code`` answers
the session with an ``error`` event of that code and closes, ``drop_connections()`` cuts
the open sockets, and ``go_down()`` also refuses new ones (a service gone).

Run by hand: ``python -m harness.doubles.realtime --port 8765``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from harness.doubles.base import WireServer, application
from harness.doubles.realtime_session import Dialect, RealtimeConversation

logger = logging.getLogger("harness.realtime")

READY = "realtime server on"
"""What ``main`` prints once it listens."""

ROUTES: dict[str, Dialect] = {
    "/v1/realtime": "ga",
    "/realtime": "ga",
    "/openai/v1/realtime": "ga",
    "/openai/realtime": "beta",
    "/voice-live/realtime": "beta",
}
"""Each path the clients connect to, and the event names its service sends."""


@dataclass
class RealtimeServer(WireServer):
    """A realtime speech-to-speech service on loopback; ``requests`` holds each connection
    (path, query, headers) and ``received`` every client event type, in order."""

    persona: str = "Parley"
    reply_delay_s: float = 0.0
    """Model latency added before each reply (benchmarks compare pipelines at equal latency)."""
    done_delay_s: float = 0.0
    """How late ``response.done`` comes after a response's last output (a loaded service)."""
    error_code: str | None = None
    """Answer every session with an ``error`` event of this code, then close."""
    received: list[str] = field(default_factory=list)
    session_updates: list[dict[str, Any]] = field(default_factory=list)
    """The ``session`` of every ``session.update``, in order."""
    truncations: list[dict[str, Any]] = field(default_factory=list)
    down: bool = False
    on_sent: Callable[[float, str], None] | None = None
    """Told of every server event sent: ``time.perf_counter()`` (a system-wide monotonic
    clock on Linux, comparable across processes) and its type; for benchmarks."""
    _sockets: set[web.WebSocketResponse] = field(default_factory=set)

    def app(self) -> web.Application:
        return application(*(web.get(path, self._connect) for path in ROUTES))

    async def drop_connections(self) -> None:
        """Cut every open connection, as a network blip does; new ones are welcome."""
        for ws in list(self._sockets):
            await _drop(ws)

    async def go_down(self) -> None:
        """Refuse every new connection and drop the open ones: the service is gone."""
        self.down = True
        await self.drop_connections()

    def come_back(self) -> None:
        self.down = False

    def error_response(self, status: int, message: str) -> web.Response:
        return web.json_response(
            {"error": {"message": message, "type": "server_error"}}, status=status
        )

    async def _connect(self, request: web.Request) -> web.StreamResponse:
        self.record(request, dialect=ROUTES[request.path])
        logger.info("connection on %s", request.path)
        if self.down:
            return self.error_response(503, "service unavailable")
        if (failure := await self.injected_failure()) is not None:
            return failure
        ws = web.WebSocketResponse(max_msg_size=16 * 1024 * 1024)
        await ws.prepare(request)
        self._sockets.add(ws)
        conversation = RealtimeConversation(
            send=lambda event: self._send(ws, event),
            dialect=ROUTES[request.path],
            persona=self.persona,
            reply_delay_s=self.reply_delay_s,
            done_delay_s=self.done_delay_s,
        )
        try:
            await self._serve(ws, conversation)
        finally:
            self._sockets.discard(ws)
            await conversation.close()
        return ws

    async def _send(self, ws: web.WebSocketResponse, event: dict[str, Any]) -> None:
        if ws.closed:
            return
        if self.on_sent is not None:
            self.on_sent(time.perf_counter(), str(event["type"]))
        with contextlib.suppress(ConnectionError, RuntimeError):
            await ws.send_str(json.dumps(event))

    async def _serve(self, ws: web.WebSocketResponse, conversation: RealtimeConversation) -> None:
        await conversation.open()
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                break
            event = json.loads(msg.data)
            self.received.append(str(event.get("type")))
            if event.get("type") == "session.update":
                self.session_updates.append(dict(event.get("session") or {}))
            if event.get("type") == "conversation.item.truncate":
                self.truncations.append(event)
            if self.error_code and event.get("type") == "session.update":
                await conversation.error(self.error_code, f"injected: {self.error_code}")
                await ws.close()
                return
            await conversation.handle(event)


async def _drop(ws: web.WebSocketResponse) -> None:
    """Cut the connection without a close handshake, as a lost network does."""
    transport = ws._req.transport if ws._req is not None else None  # noqa: SLF001
    if transport is not None:
        transport.abort()
    else:
        await ws.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--reply-delay", type=float, default=0.0)
    parser.add_argument("--timeline", help="write '<perf_counter> <event type>' lines here")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    server = RealtimeServer(reply_delay_s=args.reply_delay)
    if args.timeline:
        timeline = open(args.timeline, "a", buffering=1)  # noqa: SIM115 - open until exit

        def note(at: float, kind: str) -> None:
            timeline.write(f"{at:.6f} {kind}\n")

        server.on_sent = note
    ready = f"{READY} http://127.0.0.1:{args.port}"
    web.run_app(
        server.app(), host="127.0.0.1", port=args.port, print=lambda _: print(ready, flush=True)
    )


if __name__ == "__main__":
    main()
