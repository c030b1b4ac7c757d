"""A whole synthetic call: join, let the agent greet, say each sentence, time each spoken
reply, and read the transcript back from the API."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

from harness.caller import voice
from harness.caller.ear import wait_for_quiet
from harness.caller.line import join

DEFAULT_SENTENCES = [
    "Hello there, can you hear me?",
    "What time is it right now?",
    "Thank you very much, goodbye.",
]
"""Open speech, no grammar: a greeting, a question for the clock tool, a goodbye."""


@dataclass
class Turn:
    said: str
    spoke_until: float
    reply_started: float | None = None
    reply_ended: float | None = None

    @property
    def latency_ms(self) -> float | None:
        """Voice-to-voice: end of the caller's speech to the first voiced reply frame."""
        if self.reply_started is None:
            return None
        return (self.reply_started - self.spoke_until) * 1000


@dataclass
class CallResult:
    session_id: str
    room: str
    turns: list[Turn] = field(default_factory=list)
    transcript: list[dict[str, object]] = field(default_factory=list)

    @property
    def all_replied(self) -> bool:
        return all(t.reply_started is not None for t in self.turns)

    @property
    def heard(self) -> list[str]:
        """What the agent heard: the user turns of the transcript read back, in order."""
        items = sorted(self.transcript, key=lambda i: int(str(i.get("turnIndex", 0))))
        return [str(i.get("text", "")) for i in items if i.get("role") == "user"]

    @property
    def word_accuracy(self) -> float:
        """1 − word error rate of everything heard against everything said (a sentence
        the agent's VAD split in two still counts once)."""
        said = " ".join(t.said for t in self.turns)
        return voice.word_accuracy([(said, " ".join(self.heard))])


async def call(
    api_url: str,
    api_key: str,
    sentences: list[str],
    reply_timeout: float,
    *,
    before_speaking: Callable[[], Awaitable[None]] | None = None,
    read_back: bool = True,
) -> CallResult:
    """One call: join, let the agent greet, say each sentence and wait for its reply.

    ``before_speaking`` is awaited after the greeting (to line up concurrent callers);
    ``read_back=False`` skips reading the transcript back from the API afterwards.
    """
    caller = await join(api_url, api_key)
    ear = caller.ear
    session_id = await caller.room.sid
    result = CallResult(session_id=session_id, room=caller.token["roomName"])
    try:
        await asyncio.wait_for(ear.track_ready.wait(), 30)
        # The agent greets first: let the greeting start and finish before speaking.
        try:
            await asyncio.wait_for(ear.started.wait(), reply_timeout)
        except TimeoutError:
            pass  # no greeting; the conversation can start right away
        await wait_for_quiet(ear, reply_timeout * 4)
        if before_speaking is not None:
            await before_speaking()
        for sentence in sentences:
            turn = Turn(said=sentence, spoke_until=await caller.say(sentence))
            result.turns.append(turn)
            try:
                await asyncio.wait_for(ear.started.wait(), reply_timeout)
                turn.reply_started = ear.started_at
                await wait_for_quiet(ear, reply_timeout * 4)
                turn.reply_ended = ear.last_voice
            except TimeoutError:
                pass
    finally:
        await caller.hang_up()
    if read_back:
        async with httpx.AsyncClient(base_url=api_url, timeout=10) as client:
            result.transcript = await read_transcript(
                client, {"x-api-key": api_key}, session_id, len(sentences)
            )
    return result


async def read_transcript(
    client: httpx.AsyncClient, headers: dict[str, str], session_id: str, turns: int
) -> list[dict[str, object]]:
    """Poll (bounded) until the agent's background sender has delivered every turn."""
    deadline = time.monotonic() + 30
    items: list[dict[str, object]] = []
    while time.monotonic() < deadline:
        resp = await client.get(
            f"/api/sessions/{session_id}/transcript", params={"limit": 1000}, headers=headers
        )
        if resp.status_code == 200:
            items = resp.json()["items"]
            roles = [i["role"] for i in items]
            if roles.count("user") >= turns and roles.count("assistant") >= turns:
                break
        await asyncio.sleep(0.5)
    return items
