"""The streaming `local` STT: Moonshine's interim and preflight transcripts, the final on
flush, Whisper when Moonshine is unsure, and a stream closed mid-decode. Real models, the
caller's natural voice (Festival), room noise."""

from __future__ import annotations

import asyncio
import contextlib
import math

import numpy as np
from livekit import rtc
from livekit.agents import stt

from agent_app.providers.offline.local import build_stt
from agent_app.providers.offline.streaming_stt import (
    LocalRecognizeStream,
    StreamingLocalSTT,
    StreamingOptions,
)
from agent_app.providers.offline.whisper_stt import WhisperSTT
from harness.agent_helpers import settings
from harness.caller.voice import (
    OPEN_SENTENCES,
    caller_frames,
    festival_available,
    frames_of,
    hear,
    mix_at_snr,
    pad,
    speak,
    word_accuracy,
    words,
)
from harness.doubles.audio_io import PacedMicrophone
from harness.waiting import wait_for

NOISY_SNR_DB = 12.0
NEVER_UNSURE = -math.inf
ALWAYS_UNSURE = 0.0
UMBRELLA = "I left my umbrella at the office yesterday afternoon."
"""Moonshine tiny hears 'I left Mime Brilla' here, unsure of it; Whisper hears it right."""


class Listener:
    """Feeds a stream like a microphone (real time, silence after the speech) and keeps
    every event it emits."""

    def __init__(self, stream: LocalRecognizeStream, frames: list[rtc.AudioFrame]) -> None:
        self.stream = stream
        self.events: list[stt.SpeechEvent] = []
        self._mic = PacedMicrophone(frames[0].sample_rate)
        self._mic.say(frames)
        self._tasks = [asyncio.create_task(self._feed()), asyncio.create_task(self._read())]

    async def _feed(self) -> None:
        async for frame in self._mic:
            self.stream.push_frame(frame)

    async def _read(self) -> None:
        async for event in self.stream:
            self.events.append(event)

    def of(self, kind: stt.SpeechEventType) -> list[str]:
        return [e.alternatives[0].text for e in self.events if e.type == kind and e.alternatives]

    @property
    def spoken(self) -> bool:
        return not self._mic.speaking

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.stream.aclose()


def recogniser(fallback_logprob: float = -1.0) -> StreamingLocalSTT:
    recognizer = StreamingLocalSTT(options=StreamingOptions(fallback_logprob=fallback_logprob))
    recognizer.warm()
    return recognizer


async def test_interims_while_speaking_a_preflight_when_quiet_and_the_final_at_once() -> None:
    assert festival_available(), "Festival is missing: run `make system-deps`"
    sentence = OPEN_SENTENCES[1]
    stream = recogniser(NEVER_UNSURE).stream()
    listener = Listener(stream, caller_frames(sentence, snr_db=NOISY_SNR_DB))
    try:
        await wait_for(
            lambda: bool(listener.of(stt.SpeechEventType.PREFLIGHT_TRANSCRIPT)),
            timeout=60,
            what="a preflight transcript",
        )
        interims = listener.of(stt.SpeechEventType.INTERIM_TRANSCRIPT)
        assert len(interims) >= 2, interims  # a 3.6 s sentence, one every half second
        assert len(words(interims[0])) < len(words(sentence))  # heard while still speaking
        (preflight,) = listener.of(stt.SpeechEventType.PREFLIGHT_TRANSCRIPT)
        assert word_accuracy([(sentence, preflight)]) >= 0.8, preflight
        await wait_for(lambda: listener.spoken, timeout=30, what="the end of the speech")
        decodes = stream.decodes
        stream.flush()
        await wait_for(
            lambda: bool(listener.of(stt.SpeechEventType.FINAL_TRANSCRIPT)),
            timeout=30,
            what="the final transcript",
        )
    finally:
        await listener.close()
    # nothing voiced after the preflight: the final is the preflight, with no new decode
    assert listener.of(stt.SpeechEventType.FINAL_TRANSCRIPT) == [preflight]
    assert stream.decodes == decodes
    assert stream.careful_decodes == 0


async def test_flush_finalises_what_was_said_and_starts_a_new_utterance() -> None:
    """Frames pushed faster than real time: no quiet tail is ever seen, so the flush
    decodes at once; the next utterance is heard on its own."""
    assert festival_available(), "Festival is missing: run `make system-deps`"
    stream = recogniser(NEVER_UNSURE).stream()
    finals: list[str] = []

    async def read() -> None:
        async for event in stream:
            if event.type == stt.SpeechEventType.FINAL_TRANSCRIPT:
                finals.append(event.alternatives[0].text)

    reader = asyncio.create_task(read())
    try:
        for count, sentence in enumerate(OPEN_SENTENCES[4:6], 1):
            for frame in caller_frames(sentence):
                stream.push_frame(frame)
            stream.flush()
            await wait_for(lambda: len(finals) >= count, timeout=60, what="a final")  # noqa: B023
        stream.flush()  # nothing since the last flush: no transcript
        stream.end_input()
        await asyncio.wait_for(reader, timeout=60)
    finally:
        reader.cancel()
        await stream.aclose()
    assert len(finals) == 2
    pairs = list(zip(OPEN_SENTENCES[4:6], finals, strict=True))
    assert word_accuracy(pairs) >= 0.9, pairs


async def test_whisper_decides_the_final_when_moonshine_is_unsure() -> None:
    assert festival_available(), "Festival is missing: run `make system-deps`"
    frames = caller_frames(UMBRELLA)
    fast_only = recogniser(NEVER_UNSURE)
    careful = recogniser(ALWAYS_UNSURE)
    moonshine_heard = await hear(fast_only, frames)
    assert words(moonshine_heard) != words(UMBRELLA), moonshine_heard  # the case to catch
    stream = careful.stream()
    heard = await hear_stream(stream, frames)
    assert stream.careful_decodes == 1
    assert words(heard) == words(UMBRELLA)


async def test_the_default_threshold_hears_open_speech_clean_and_over_room_noise() -> None:
    """The whole path a call takes (``build_stt`` with the default settings), on the
    open sentences: at least 97% clean and 90% at 12 dB SNR."""
    assert festival_available(), "Festival is missing: run `make system-deps`"
    recognizer = await build_stt(settings())
    assert isinstance(recognizer, StreamingLocalSTT)
    assert recognizer.capabilities.streaming and recognizer.capabilities.manual_flush
    clean, noisy = [], []
    for seed, sentence in enumerate(OPEN_SENTENCES):
        clean.append((sentence, await hear(recognizer, caller_frames(sentence))))
        frames = caller_frames(sentence, snr_db=NOISY_SNR_DB, seed=seed)
        noisy.append((sentence, await hear(recognizer, frames)))
    assert word_accuracy(clean) >= 0.97, clean
    assert word_accuracy(noisy) >= 0.9, noisy


async def test_a_stream_closed_mid_decode_leaves_the_engine_working() -> None:
    assert festival_available(), "Festival is missing: run `make system-deps`"
    recognizer = recogniser(ALWAYS_UNSURE)
    stream = recognizer.stream()
    for frame in caller_frames(OPEN_SENTENCES[7]):
        stream.push_frame(frame)
    stream.flush()  # a Moonshine decode, then a Whisper run, start
    await wait_for(lambda: stream.decodes >= 1, timeout=30, what="a decode to start")
    await asyncio.wait_for(stream.aclose(), timeout=30)
    # the engines' threads were not left stuck: the next call is heard
    sentence = OPEN_SENTENCES[8]
    heard = await hear(recognizer, caller_frames(sentence))
    assert word_accuracy([(sentence, heard)]) >= 0.8, heard


async def test_a_long_turn_after_a_long_wait_is_heard_whole() -> None:
    """Four sentences in one turn (about 16 s: Moonshine's decoder strides the encoder's
    mask, which broke past about 8 s when given the wrong one), after 12 s of room noise
    while the agent talked (dropped, so no decode pays for it)."""
    assert festival_available(), "Festival is missing: run `make system-deps`"
    said = OPEN_SENTENCES[:4]
    pcm = np.concatenate([pad(speak(s)[0], speak(s)[1], lead_s=0.3, tail_s=0.3) for s in said])
    rate = speak(said[0])[1]
    audio = mix_at_snr(pad(pcm, rate, lead_s=12.0, tail_s=1.0), rate, NOISY_SNR_DB, seed=3)
    recognizer = recogniser()
    stream = recognizer.stream()
    heard = await hear_stream(stream, frames_of(audio, rate))
    assert word_accuracy([(" ".join(said), heard)]) >= 0.9, heard
    assert stream.longest_decode_s < 20.0  # the wait was not decoded


async def hear_stream(stream: LocalRecognizeStream, frames: list[rtc.AudioFrame]) -> str:
    for frame in frames:
        stream.push_frame(frame)
    stream.end_input()
    finals = [
        e.alternatives[0].text
        async for e in stream
        if e.type == stt.SpeechEventType.FINAL_TRANSCRIPT
    ]
    await stream.aclose()
    return " ".join(finals)


async def test_behind_a_cloud_recogniser_the_local_link_is_whisper() -> None:
    """A mixed chain's FallbackAdapter never flushes its links, so a streaming local link
    there would never finalise a turn: it must be Whisper on the session's VAD instead."""
    alone = await build_stt(settings(stt_providers="local"))
    behind_azure = await build_stt(settings(stt_providers="azure,local"))
    assert isinstance(alone, StreamingLocalSTT) and alone.capabilities.manual_flush
    assert isinstance(behind_azure, WhisperSTT)
