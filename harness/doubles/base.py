"""What every wire-protocol double shares: a loopback server on a free port, a record of
the requests it saw, and failures injected on demand (an error status, or no answer)."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from aiohttp import web

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
    """Mono 16-bit PCM of a sine tone: audio a client can play, where content does not matter."""
    t = np.arange(int(seconds * rate)) / rate
    return (np.sin(2 * math.pi * freq * t) * 8000).astype(np.int16).tobytes()


def derived_reply(provider: str, heard: str) -> str:
    """What a language-model double answers: which provider it is and what it was told, so
    a test can see the user's words went through recognition and reached the model."""
    return f"This is {provider}. You said: {heard.strip() or 'nothing'}"


@dataclass
class Behaviour:
    """How a fake provider answers: normally, with an error status, or never."""

    status: int = 200
    """Non-200 answers with this status and an error body."""
    hang: bool = False
    """Accept the request and never answer (a timeout for the client)."""


@dataclass
class WireServer:
    """The base of a protocol double: ``app()`` serves its routes; each handler records
    what it received and answers with the injected failure, if any, before its own reply."""

    behaviour: Behaviour = field(default_factory=Behaviour)
    requests: list[dict[str, Any]] = field(default_factory=list)
    _release: asyncio.Event = field(default_factory=asyncio.Event)

    def app(self) -> web.Application:
        raise NotImplementedError

    def release(self) -> None:
        """End any hanging request (so the server can shut down)."""
        self._release.set()

    def record(self, request: web.Request, **fields: Any) -> None:
        """Keep the request's path, query and headers, with ``fields`` (its decoded body)."""
        self.requests.append(
            {
                "path": request.path,
                "query": dict(request.query),
                "headers": request.headers,  # case-insensitive, as HTTP reads them
                **fields,
            }
        )

    async def injected_failure(self) -> web.Response | None:
        """The answer ``behaviour`` asks for instead of a normal one, or None."""
        if self.behaviour.hang:
            await self._release.wait()
            return self.error_response(503, "released")
        if self.behaviour.status != 200:
            return self.error_response(self.behaviour.status, "injected failure")
        return None

    def error_response(self, status: int, message: str) -> web.Response:
        """An error in the provider's own format (a plain text body unless overridden)."""
        return web.Response(status=status, text=message)


@dataclass
class ChatDouble(WireServer):
    """What the language-model doubles share: a fixed reply or one derived from what the
    user said last, and a tool call asked for before answering when ``tool_call`` is set."""

    reply: str | None = None
    """A fixed reply; None answers with what the user said (``derived_reply``)."""
    tool_call: dict[str, Any] | None = None
    """``{"name": ..., "arguments": {...}}``: asked for until a tool result comes back."""

    def answer(self, provider: str, user_texts: list[str]) -> str:
        """The reply to a conversation whose user turns said ``user_texts``, in order."""
        said = next(filter(None, reversed(user_texts)), "")
        return self.reply or derived_reply(provider, said)
