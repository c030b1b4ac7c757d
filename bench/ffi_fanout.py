"""What one call's audio costs the other calls in the same worker process.

livekit.rtc hands each native event to every subscriber in the process, and with the
thread executor every call has a loop and a thread of its own; ``agent_app.runtime.ffi_routing``
narrows each subscription to its own events. This runs N calls in one process as the
worker does and counts, per call, the hand-offs (``call_soon_threadsafe``) its loop
took and the CPU its thread spent, with livekit.rtc as it is and with the routing:

    .venv/bin/python -m bench.ffi_fanout [--calls 10] [--seconds 5]

Each call is a room where a speaker (on the main loop, like a remote caller) sends a
tone in 50 ms frames and a listener (on the call's own thread and loop) reads it
through an ``AudioStream``. A LiveKit server is started on free ports. Each mode runs
in a process of its own, since the routing can't be taken back once installed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import numpy as np
from livekit import rtc
from livekit.rtc._ffi_client import FfiClient

from harness.livekit import join_token, start_livekit
from harness.processes import ROOT

RATE = 16_000
FRAME_MS = 50
MODES = ("library", "routed")


def tone_hz(call: int) -> float:
    """Each call's own tone, far enough from the others to tell apart."""
    return 300.0 + 100.0 * call


class CountingLoop(asyncio.SelectorEventLoop):
    """An event loop that counts the callbacks other threads hand it."""

    handoffs = 0

    def call_soon_threadsafe(  # type: ignore[override]
        self, callback: Any, *args: Any, context: Any = None
    ) -> Any:
        self.handoffs += 1
        return super().call_soon_threadsafe(callback, *args, context=context)


class Window:
    """The measuring window all listeners share: opened once every call receives."""

    def __init__(self, calls: int, seconds: float) -> None:
        self.seconds = seconds
        self.receiving = threading.Barrier(calls + 1)
        self.open = threading.Event()


async def listen(url: str, call: int, window: Window) -> dict[str, Any]:
    """Joins call ``call``'s room and reads the speaker's track: once every call
    receives, counts frames, hand-offs and thread CPU for ``window.seconds``."""
    loop = asyncio.get_running_loop()
    assert isinstance(loop, CountingLoop)
    room = rtc.Room()
    subscribed: asyncio.Future[rtc.Track] = loop.create_future()

    @room.on("track_subscribed")
    def on_track(track: rtc.Track, *_: Any) -> None:
        if not subscribed.done():
            subscribed.set_result(track)

    await room.connect(url, join_token(f"call-{call}", "listener"))
    track = await asyncio.wait_for(subscribed, 30)
    stream = rtc.AudioStream(track, sample_rate=RATE, num_channels=1, frame_size_ms=FRAME_MS)
    samples: list[np.ndarray] = []
    started: tuple[int, float] | None = None
    deadline = 0.0
    arrived = False
    async for event in stream:
        if not arrived:
            arrived = True
            await asyncio.to_thread(window.receiving.wait, 30)
        if started is None:
            if window.open.is_set():
                started, deadline = (
                    (loop.handoffs, time.thread_time()),
                    loop.time() + window.seconds,
                )
            continue
        samples.append(np.frombuffer(event.frame.data, dtype=np.int16).copy())
        if loop.time() >= deadline:
            break
    assert started is not None, "the stream ended before the window opened"
    handoffs, cpu = loop.handoffs - started[0], time.thread_time() - started[1]
    await stream.aclose()
    await room.disconnect()
    audio = np.concatenate(samples).astype(np.float64)
    spectrum = np.abs(np.fft.rfft(audio))
    heard = float(np.fft.rfftfreq(audio.size, 1 / RATE)[int(np.argmax(spectrum[1:])) + 1])
    return {
        "call": call,
        "frames": len(samples),
        "heard_hz": heard,
        "handoffs": handoffs,
        "cpu_s": cpu,
    }


def run_listener(url: str, call: int, window: Window, out: Future[Any]) -> None:
    loop = CountingLoop()
    try:
        out.set_result(loop.run_until_complete(listen(url, call, window)))
    except BaseException as exc:  # re-raised by the main thread
        window.receiving.abort()
        out.set_exception(exc)
    finally:
        loop.close()


async def speak(url: str, call: int, stop: asyncio.Event) -> tuple[rtc.Room, asyncio.Task[None]]:
    room = rtc.Room()
    await room.connect(url, join_token(f"call-{call}", "speaker"))
    source = rtc.AudioSource(RATE, 1)
    track = rtc.LocalAudioTrack.create_audio_track("tone", source)
    options = rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)
    await room.local_participant.publish_track(track, options)

    async def play() -> None:
        n = RATE * FRAME_MS // 1000
        t = 0
        while not stop.is_set():
            wave = 8_000 * np.sin(2 * np.pi * tone_hz(call) * (np.arange(n) + t) / RATE)
            await source.capture_frame(rtc.AudioFrame(wave.astype(np.int16).tobytes(), RATE, 1, n))
            t += n

    return room, asyncio.get_running_loop().create_task(play())


async def calls_in_one_process(url: str, calls: int, seconds: float) -> list[dict[str, Any]]:
    FfiClient.instance  # noqa: B018 - made once here, before the threads race to make it
    window = Window(calls, seconds)
    stop = asyncio.Event()
    results: list[Future[Any]] = [Future() for _ in range(calls)]
    threads = [
        threading.Thread(target=run_listener, args=(url, call, window, results[call]))
        for call in range(calls)
    ]
    for thread in threads:
        thread.start()
    speakers = [await speak(url, call, stop) for call in range(calls)]
    try:
        await asyncio.to_thread(window.receiving.wait, 60)
        window.open.set()
        return [await asyncio.wrap_future(result) for result in results]
    finally:
        stop.set()
        for room, playing in speakers:
            await playing
            await room.disconnect()
        for thread in threads:
            thread.join(10)


def measure(mode: str, url: str, calls: int, seconds: float) -> list[dict[str, Any]]:
    """One mode's per-call outcomes, from a process of its own."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.ffi_fanout",
            "--run",
            mode,
            "--url",
            url,
            "--calls",
            str(calls),
            "--seconds",
            str(seconds),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120 + 10 * calls,
        check=True,
    )
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--run", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run is not None:
        if args.run == "routed":
            from agent_app.runtime.ffi_routing import install

            install()
        for outcome in asyncio.run(calls_in_one_process(args.url, args.calls, args.seconds)):
            print(json.dumps(outcome))
        return
    with tempfile.TemporaryDirectory() as work:
        server = start_livekit(Path(work))
        try:
            print(f"{args.calls} calls in one process, {args.seconds:g} s each")
            for mode in MODES:
                rows = measure(mode, server.ws_url, args.calls, args.seconds)
                frames = sum(r["frames"] for r in rows)
                per_frame = sum(r["handoffs"] for r in rows) / frames
                cpu = sum(r["cpu_s"] for r in rows) / args.seconds / len(rows)
                print(
                    f"  {mode:8s} hand-offs per received frame {per_frame:5.2f}, "
                    f"each call's thread {cpu * 1000:5.1f} ms CPU per second"
                )
        finally:
            server.stop()


if __name__ == "__main__":
    main()
