"""Two calls in one process, each on a thread and loop of its own (as the thread executor
runs jobs): counts how many native events each call's loop was handed.

    python -m tests.agent.ffi_two_calls library|routed ws://127.0.0.1:PORT

Each call is a room where a speaker (on the main loop, like a remote caller) sends a
tone and a listener (on the call's own loop) receives it through an ``AudioStream``.
Prints one JSON line per listener: frames received, the tone it heard, and the
``call_soon_threadsafe`` hand-offs its loop took while the tones played.
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
from concurrent.futures import Future
from typing import Any

import numpy as np
from livekit import api, rtc
from livekit.rtc._ffi_client import FfiClient

from harness.livekit import DEV_LIVEKIT_KEY, DEV_LIVEKIT_SECRET

RATE = 16_000
FRAME_MS = 50
SECONDS = 3.0
TONES = {"call-a": 440.0, "call-b": 1_000.0}


class CountingLoop(asyncio.SelectorEventLoop):
    """An event loop that counts the callbacks other threads hand it."""

    handoffs = 0

    def call_soon_threadsafe(  # type: ignore[override]
        self, callback: Any, *args: Any, context: Any = None
    ) -> Any:
        self.handoffs += 1
        return super().call_soon_threadsafe(callback, *args, context=context)


def token(room: str, identity: str) -> str:
    grants = api.VideoGrants(room_join=True, room=room)
    return (
        api.AccessToken(DEV_LIVEKIT_KEY, DEV_LIVEKIT_SECRET)
        .with_identity(identity)
        .with_grants(grants)
        .to_jwt()
    )


async def listen(
    url: str, room_name: str, receiving: threading.Event, measuring: threading.Event
) -> dict[str, Any]:
    """Joins ``room_name`` and reads the speaker's track: once both calls receive, counts
    frames and hand-offs for ``SECONDS``."""
    loop = asyncio.get_running_loop()
    assert isinstance(loop, CountingLoop)
    room = rtc.Room()
    subscribed: asyncio.Future[rtc.Track] = loop.create_future()

    @room.on("track_subscribed")
    def on_track(track: rtc.Track, *_: Any) -> None:
        if not subscribed.done():
            subscribed.set_result(track)

    await room.connect(url, token(room_name, "listener"))
    track = await asyncio.wait_for(subscribed, 20)
    stream = rtc.AudioStream(track, sample_rate=RATE, num_channels=1, frame_size_ms=FRAME_MS)
    samples: list[np.ndarray] = []
    start = deadline = None
    async for event in stream:
        receiving.set()
        if start is None:
            if measuring.is_set():
                start, deadline = loop.handoffs, loop.time() + SECONDS
            continue
        samples.append(np.frombuffer(event.frame.data, dtype=np.int16).copy())
        if deadline is not None and loop.time() >= deadline:
            break
    assert start is not None, "the stream ended before measuring began"
    handoffs = loop.handoffs - start
    await stream.aclose()
    await room.disconnect()
    audio = np.concatenate(samples).astype(np.float64)
    spectrum = np.abs(np.fft.rfft(audio))
    heard = float(np.fft.rfftfreq(audio.size, 1 / RATE)[int(np.argmax(spectrum[1:])) + 1])
    return {"room": room_name, "frames": len(samples), "heard_hz": heard, "handoffs": handoffs}


def run_listener(
    url: str,
    room_name: str,
    receiving: threading.Event,
    measuring: threading.Event,
    out: Future[Any],
) -> None:
    loop = CountingLoop()
    try:
        out.set_result(loop.run_until_complete(listen(url, room_name, receiving, measuring)))
    except BaseException as exc:  # reported by the main thread
        out.set_exception(exc)
    finally:
        loop.close()


async def speak(
    url: str, room_name: str, hz: float, stop: asyncio.Event
) -> tuple[rtc.Room, asyncio.Task[None]]:
    room = rtc.Room()
    await room.connect(url, token(room_name, "speaker"))
    source = rtc.AudioSource(RATE, 1)
    track = rtc.LocalAudioTrack.create_audio_track("tone", source)
    options = rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)
    await room.local_participant.publish_track(track, options)

    async def play() -> None:
        n = RATE * FRAME_MS // 1000
        t = 0
        while not stop.is_set():
            wave = 8_000 * np.sin(2 * np.pi * hz * (np.arange(n) + t) / RATE)
            frame = rtc.AudioFrame(wave.astype(np.int16).tobytes(), RATE, 1, n)
            await source.capture_frame(frame)
            t += n

    return room, asyncio.get_running_loop().create_task(play())


async def main(url: str) -> None:
    FfiClient.instance  # noqa: B018 - created once, before any thread races to create it
    measuring = threading.Event()
    receiving = {name: threading.Event() for name in TONES}
    stop = asyncio.Event()
    results: dict[str, Future[Any]] = {name: Future() for name in TONES}
    threads = [
        threading.Thread(
            target=run_listener, args=(url, name, receiving[name], measuring, results[name])
        )
        for name in TONES
    ]
    for thread in threads:
        thread.start()
    speakers = [await speak(url, name, hz, stop) for name, hz in TONES.items()]
    for name, event in receiving.items():
        if not await asyncio.to_thread(event.wait, 30):
            raise RuntimeError(f"{name}'s listener never received audio")
    measuring.set()
    outcomes = [await asyncio.wrap_future(results[name]) for name in TONES]
    stop.set()
    for room, playing in speakers:
        await playing
        await room.disconnect()
    for thread in threads:
        thread.join(10)
    for outcome in outcomes:
        print(json.dumps(outcome))


if __name__ == "__main__":
    if sys.argv[1] == "routed":
        from agent_app.ffi_routing import install

        install()
    asyncio.run(main(sys.argv[2]))
