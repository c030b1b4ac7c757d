"""One realtime conversation on the double: the session's options, the conversation items,
the input audio buffer with its server VAD, and the response in progress."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from livekit.agents import inference, vad

from harness.doubles import realtime_voice as voice

Dialect = Literal["ga", "beta"]
"""``ga``: the event names OpenAI's GA API sends; ``beta``: the preview names Voice Live
and Azure's preview API send."""

NAMES: dict[str, dict[Dialect, str]] = {
    "item_added": {"ga": "conversation.item.added", "beta": "conversation.item.created"},
    "audio_delta": {"ga": "response.output_audio.delta", "beta": "response.audio.delta"},
    "audio_done": {"ga": "response.output_audio.done", "beta": "response.audio.done"},
    "transcript_delta": {
        "ga": "response.output_audio_transcript.delta",
        "beta": "response.audio_transcript.delta",
    },
    "transcript_done": {
        "ga": "response.output_audio_transcript.done",
        "beta": "response.audio_transcript.done",
    },
}
AUDIO_PART: dict[Dialect, str] = {"ga": "output_audio", "beta": "audio"}
DEFAULT_TURN_DETECTION: dict[str, Any] = {
    "type": "server_vad",
    "silence_duration_ms": 500,
    "create_response": True,
    "interrupt_response": True,
}
CHUNK_BYTES = voice.RATE * 2 // 10
"""Audio deltas of 100 ms."""
KEEP_BEFORE_SPEECH_BYTES = voice.RATE * 2 // 2
"""Audio kept ahead of detected speech (the prefix padding), 500 ms."""

Send = Callable[[dict[str, Any]], Awaitable[None]]


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:20]}"


class RealtimeConversation:
    """The server side of one connection."""

    def __init__(
        self,
        *,
        send: Send,
        dialect: Dialect,
        persona: str,
        reply_delay_s: float,
        done_delay_s: float = 0.0,
    ):
        self._send = send
        self.dialect: Dialect = dialect
        self._persona = persona
        self._reply_delay_s = reply_delay_s
        self._done_delay_s = done_delay_s
        self.items: list[dict[str, Any]] = []
        self.instructions = ""
        self.tools: set[str] = set()
        self.turn_detection: dict[str, Any] | None = dict(DEFAULT_TURN_DETECTION)
        self._buffer = bytearray()
        self._appended_bytes = 0
        self._speech_item: str | None = None
        self._vad_stream: vad.VADStream | None = None
        self._vad_task: asyncio.Task[None] | None = None
        self._response: asyncio.Task[None] | None = None
        self._generation: asyncio.Task[None] | None = None

    # -- lifecycle ---------------------------------------------------------------------

    async def open(self) -> None:
        await self.emit("session.created", session=self._session())
        self._restart_vad()

    async def close(self) -> None:
        await self._cancel_response()
        if self._vad_task is not None:
            self._vad_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._vad_task
        if self._vad_stream is not None:
            await self._vad_stream.aclose()

    async def emit(self, event_type: str, **fields: Any) -> None:
        await self._send({"type": event_type, "event_id": new_id("event"), **fields})

    async def error(self, code: str, message: str, event_id: str | None = None) -> None:
        error = {
            "type": "invalid_request_error",
            "code": code,
            "message": message,
            "param": None,
            "event_id": event_id,
        }
        await self.emit("error", error=error)

    def _name(self, key: str) -> str:
        return NAMES[key][self.dialect]

    def _session(self) -> dict[str, Any]:
        return {"id": new_id("sess"), "object": "realtime.session", "instructions": ""}

    # -- client events -----------------------------------------------------------------

    async def handle(self, event: dict[str, Any]) -> None:
        handler = {
            "session.update": self._session_update,
            "input_audio_buffer.append": self._append,
            "input_audio_buffer.commit": self._client_commit,
            "input_audio_buffer.clear": self._clear,
            "conversation.item.create": self._item_create,
            "conversation.item.delete": self._item_delete,
            "conversation.item.truncate": self._item_truncate,
            "response.create": self._response_create,
            "response.cancel": self._response_cancel,
        }.get(str(event.get("type")))
        if handler is not None:
            await handler(event)

    async def _session_update(self, event: dict[str, Any]) -> None:
        session = event.get("session") or {}
        if "instructions" in session:
            self.instructions = str(session["instructions"] or "")
        if "tools" in session:
            self.tools = {str(t.get("name")) for t in session["tools"] or [] if t.get("name")}
        # GA nests the input options under audio.input; the beta API keeps them flat
        audio_input = (session.get("audio") or {}).get("input") or {}
        for options in (session, audio_input):
            if "turn_detection" in options:
                detection = options["turn_detection"]
                self.turn_detection = (
                    {**DEFAULT_TURN_DETECTION, **detection} if detection is not None else None
                )
                self._restart_vad()
        await self.emit("session.updated", session={**self._session(), **session})

    async def _append(self, event: dict[str, Any]) -> None:
        pcm = base64.b64decode(event.get("audio", ""))
        self._buffer.extend(pcm)
        self._appended_bytes += len(pcm)
        if self._vad_stream is not None and pcm:
            self._vad_stream.push_frame(voice.pcm_frame(pcm))

    async def _client_commit(self, event: dict[str, Any]) -> None:
        if len(self._buffer) < CHUNK_BYTES:
            await self.error(
                "input_audio_buffer_commit_empty", "buffer too small", event.get("event_id")
            )
            return
        await self._commit(new_id("item"), respond=False)

    async def _clear(self, _: dict[str, Any]) -> None:
        self._buffer.clear()
        await self.emit("input_audio_buffer.cleared")

    async def _item_create(self, event: dict[str, Any]) -> None:
        item = dict(event.get("item") or {})
        item.setdefault("id", new_id("item"))
        item.setdefault("object", "realtime.item")
        item.setdefault("status", "completed")
        previous = event.get("previous_item_id")
        if previous == "root":
            index = 0
        else:
            ids = [i["id"] for i in self.items]
            index = ids.index(previous) + 1 if previous in ids else len(self.items)
        self.items.insert(index, item)
        before = self.items[index - 1]["id"] if index > 0 else None
        await self.emit(self._name("item_added"), previous_item_id=before, item=item)

    async def _item_delete(self, event: dict[str, Any]) -> None:
        item_id = event.get("item_id")
        kept = [i for i in self.items if i["id"] != item_id]
        if len(kept) == len(self.items):
            await self.error("item_not_found", f"no item {item_id}", event.get("event_id"))
            return
        self.items = kept
        await self.emit("conversation.item.deleted", item_id=item_id)

    async def _item_truncate(self, event: dict[str, Any]) -> None:
        """Keep the part of the reply the caller heard (``audio_end_ms``)."""
        item = next((i for i in self.items if i["id"] == event.get("item_id")), None)
        if item is None:
            await self.error("item_not_found", "no such item", event.get("event_id"))
            return
        heard_ms = int(event.get("audio_end_ms", 0))
        for part in item.get("content", []):
            words = str(part.get("transcript") or "").split()
            spoken_ms = max(int(part.pop("_ms", 0)), 1)
            keep = round(len(words) * min(1.0, heard_ms / spoken_ms))
            part["transcript"] = " ".join(words[:keep])
        await self.emit(
            "conversation.item.truncated",
            item_id=item["id"],
            content_index=event.get("content_index", 0),
            audio_end_ms=heard_ms,
        )

    async def _response_create(self, event: dict[str, Any]) -> None:
        metadata = (event.get("response") or {}).get("metadata")
        await self._start_response(metadata)

    async def _response_cancel(self, _: dict[str, Any]) -> None:
        await self._cancel_response()

    # -- server VAD and turns ----------------------------------------------------------

    def _restart_vad(self) -> None:
        if self._vad_task is not None:
            self._vad_task.cancel()
        self._vad_stream = None
        self._vad_task = None
        if self.turn_detection is None:
            return
        silence_ms = int(self.turn_detection.get("silence_duration_ms") or 500)
        self._vad_stream = inference.VAD(min_silence_duration=silence_ms / 1000).stream()
        self._vad_task = asyncio.create_task(self._listen(self._vad_stream))

    async def _listen(self, stream: vad.VADStream) -> None:
        async for ev in stream:
            detection = self.turn_detection or {}
            ms = self._appended_bytes * 1000 // (voice.RATE * 2)
            if ev.type == vad.VADEventType.START_OF_SPEECH:
                del self._buffer[: max(0, len(self._buffer) - KEEP_BEFORE_SPEECH_BYTES)]
                self._speech_item = new_id("item")
                await self.emit(
                    "input_audio_buffer.speech_started",
                    audio_start_ms=ms,
                    item_id=self._speech_item,
                )
                if detection.get("interrupt_response", True):
                    await self._cancel_response()
            elif ev.type == vad.VADEventType.END_OF_SPEECH and self._speech_item:
                item_id, self._speech_item = self._speech_item, None
                await self.emit(
                    "input_audio_buffer.speech_stopped", audio_end_ms=ms, item_id=item_id
                )
                await self._commit(item_id, respond=bool(detection.get("create_response", True)))

    async def _commit(self, item_id: str, *, respond: bool) -> None:
        """The buffer becomes a user message; it is transcribed, then answered."""
        audio = bytes(self._buffer)
        self._buffer.clear()
        previous = self.items[-1]["id"] if self.items else None
        part: dict[str, Any] = {"type": "input_audio", "transcript": None}
        item = {
            "id": item_id,
            "object": "realtime.item",
            "type": "message",
            "role": "user",
            "status": "completed",
            "content": [part],
        }
        self.items.append(item)
        await self.emit("input_audio_buffer.committed", item_id=item_id, previous_item_id=previous)
        await self.emit(self._name("item_added"), previous_item_id=previous, item=item)
        part["transcript"] = await voice.hear(audio)
        await self.emit(
            "conversation.item.input_audio_transcription.completed",
            item_id=item_id,
            content_index=0,
            transcript=part["transcript"],
            usage={"type": "duration", "seconds": round(len(audio) / (voice.RATE * 2), 2)},
        )
        if respond:
            await self._start_response(None)

    # -- responses ---------------------------------------------------------------------

    async def _start_response(self, metadata: dict[str, Any] | None) -> None:
        await self._cancel_response()
        self._response = asyncio.create_task(self._respond(metadata))

    async def _cancel_response(self) -> None:
        if self._generation is not None and not self._generation.done():
            self._generation.cancel()
        if self._response is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._response
        self._response = None

    async def _respond(self, metadata: dict[str, Any] | None) -> None:
        response: dict[str, Any] = {
            "id": new_id("resp"),
            "object": "realtime.response",
            "status": "in_progress",
            "status_details": None,
            "output": [],
            "metadata": metadata,
            "usage": None,
        }
        await self.emit("response.created", response=dict(response))
        self._generation = asyncio.create_task(self._generate(response))
        try:
            await self._generation
            response["status"] = "completed"
        except asyncio.CancelledError:
            response["status"] = "cancelled"
            response["status_details"] = {"type": "cancelled", "reason": "turn_detected"}
        response["usage"] = _usage(self.items, response["output"])
        if self._done_delay_s:
            await asyncio.sleep(self._done_delay_s)  # a late response.done, on purpose
        await self.emit("response.done", response=response)

    async def _generate(self, response: dict[str, Any]) -> None:
        if self._reply_delay_s:
            await asyncio.sleep(self._reply_delay_s)  # the model's latency, on purpose
        decision = voice.decide(self.items, self.tools, self._persona)
        if decision.tool is not None:
            response["output"].append(await self._call_tool(response["id"], decision))
        else:
            response["output"].append(await self._say(response["id"], decision.text or ""))

    async def _call_tool(self, rid: str, decision: voice.Decision) -> dict[str, Any]:
        """A ``function_call`` item, its arguments streamed, as the model asks for a tool."""
        item: dict[str, Any] = {
            "id": new_id("item"),
            "object": "realtime.item",
            "type": "function_call",
            "status": "completed",
            "name": decision.tool,
            "call_id": new_id("call")[:32],
            "arguments": decision.arguments,
        }
        await self._output_item(rid, {**item, "arguments": ""})
        self.items.append(item)
        call = {"response_id": rid, "item_id": item["id"], "output_index": 0}
        call["call_id"] = item["call_id"]
        await self.emit("response.function_call_arguments.delta", delta=item["arguments"], **call)
        await self.emit(
            "response.function_call_arguments.done",
            name=item["name"],
            arguments=item["arguments"],
            **call,
        )
        await self.emit("response.output_item.done", response_id=rid, output_index=0, item=item)
        return item

    async def _say(self, rid: str, text: str) -> dict[str, Any]:
        """An assistant message: its transcript, then its audio in 100 ms deltas."""
        audio = await voice.speak(text)
        kind = AUDIO_PART[self.dialect]
        item: dict[str, Any] = {
            "id": new_id("item"),
            "object": "realtime.item",
            "type": "message",
            "role": "assistant",
            "status": "in_progress",
            "content": [],
        }
        await self._output_item(rid, dict(item))
        self.items.append(item)
        where = {"response_id": rid, "item_id": item["id"], "output_index": 0, "content_index": 0}
        await self.emit(
            "response.content_part.added", part={"type": kind, "transcript": ""}, **where
        )
        await self.emit(self._name("transcript_delta"), delta=text, **where)
        part = {"type": kind, "transcript": text, "_ms": len(audio) * 1000 // (voice.RATE * 2)}
        item["content"] = [part]
        for at in range(0, len(audio), CHUNK_BYTES):
            chunk = base64.b64encode(audio[at : at + CHUNK_BYTES]).decode()
            await self.emit(self._name("audio_delta"), delta=chunk, **where)
        await self.emit(self._name("audio_done"), **where)
        await self.emit(self._name("transcript_done"), transcript=text, **where)
        public = {"type": kind, "transcript": text}
        await self.emit("response.content_part.done", part=public, **where)
        item["status"] = "completed"
        done = {**item, "content": [public]}
        await self.emit("response.output_item.done", response_id=rid, output_index=0, item=done)
        return done

    async def _output_item(self, rid: str, item: dict[str, Any]) -> None:
        previous = self.items[-1]["id"] if self.items else None
        await self.emit("response.output_item.added", response_id=rid, output_index=0, item=item)
        await self.emit(self._name("item_added"), previous_item_id=previous, item=item)


def _usage(items: list[dict[str, Any]], output: list[dict[str, Any]]) -> dict[str, Any]:
    """Token counts of the size real ones have: about 10 a second of audio heard, 20 spoken."""
    heard = sum(1 for i in items if i.get("role") == "user") * 30
    spoken = sum(
        len(str(p.get("transcript", "")).split()) for o in output for p in o.get("content", [])
    )
    out_audio = spoken * 8
    return {
        "total_tokens": heard + out_audio + spoken,
        "input_tokens": heard,
        "output_tokens": out_audio + spoken,
        "input_token_details": {"audio_tokens": heard, "text_tokens": 0, "cached_tokens": 0},
        "output_token_details": {"audio_tokens": out_audio, "text_tokens": spoken},
    }
