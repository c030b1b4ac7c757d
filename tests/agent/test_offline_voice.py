"""The offline voice pipeline: a caller's natural voice in, Whisper, the responder, Piper out."""

from __future__ import annotations

import numpy as np
from livekit import rtc
from livekit.agents import AgentSession, ConversationItemAddedEvent, inference, llm, stt

from agent_app.call.assistant import ParleyAssistant
from agent_app.call.turns import turn_handling
from agent_app.providers.chains import build_providers, build_tts
from agent_app.providers.offline.espeak_tts import ESpeakTTS
from agent_app.providers.offline.piper_tts import PiperTTS
from agent_app.providers.offline.whisper_stt import WhisperSTT
from harness.agent_helpers import settings
from harness.caller.voice import (
    OPEN_SENTENCES,
    caller_frames,
    festival_available,
    hear,
    word_accuracy,
    words,
)
from harness.doubles.audio_io import CollectingSpeaker, PacedMicrophone
from harness.waiting import wait_for

NOISY_SNR_DB = 12.0


async def test_whisper_understands_open_speech_over_room_noise() -> None:
    """Sentences the code has never seen, in a voice that is not the agent's, over
    generated room noise at 12 dB SNR, through the session's path (VAD, then Whisper)."""
    assert festival_available(), "Festival is missing: run `make system-deps`"
    assert len(OPEN_SENTENCES) >= 10
    recognizer = stt.StreamAdapter(stt=WhisperSTT(), vad=inference.VAD())
    pairs = []
    for seed, sentence in enumerate(OPEN_SENTENCES):
        frames = caller_frames(sentence, snr_db=NOISY_SNR_DB, seed=seed)
        pairs.append((sentence, await hear(recognizer, frames)))
    accuracy = word_accuracy(pairs)
    assert accuracy >= 0.9, f"word accuracy {accuracy:.0%}: {pairs}"


async def test_whisper_hears_nothing_in_silence() -> None:
    silence = rtc.AudioFrame.create(16_000, 1, 16_000)
    event = await WhisperSTT().recognize(silence)
    assert event.alternatives[0].text == ""


async def test_piper_speaks_each_sentence_and_whisper_understands_it() -> None:
    voice = PiperTTS()
    text = "Good morning. The garden looks lovely today. See you soon."
    sentences = list(voice.sentences_pcm(text))
    assert len(sentences) == 3  # one chunk per sentence: the first can play before the rest
    audio = np.concatenate(sentences)
    frame = rtc.AudioFrame(
        data=audio.tobytes(),
        sample_rate=voice.sample_rate,
        num_channels=1,
        samples_per_channel=len(audio),
    )
    heard = (await WhisperSTT().recognize(frame)).alternatives[0].text
    assert words(heard) == words(text)


async def test_local_voice_is_piper_and_espeak_stays_by_name() -> None:
    assert isinstance(await build_tts(settings(), "local"), PiperTTS)
    espeak = await build_tts(settings(local_tts_voice="espeak"), "local")
    assert isinstance(espeak, ESpeakTTS)


async def test_spoken_question_gets_a_spoken_answer() -> None:
    """Mic → VAD → Whisper → v1-mini end of turn → responder + tool → Piper → speaker."""
    vad = inference.VAD()
    providers = await build_providers(settings(), vad)
    frames = caller_frames("What time is it right now?")
    mic, speaker = PacedMicrophone(frames[0].sample_rate, speed=2.0), CollectingSpeaker()
    items: list[llm.ChatMessage] = []

    async def no_uploads() -> list[dict[str, object]]:
        return []

    session: AgentSession[None] = AgentSession(
        stt=providers.stt,
        llm=providers.llm,
        tts=providers.tts,
        vad=vad,
        turn_handling=turn_handling(),
    )

    @session.on("conversation_item_added")
    def _added(event: ConversationItemAddedEvent) -> None:
        if isinstance(event.item, llm.ChatMessage):
            items.append(event.item)

    session.input.audio = mic
    session.output.audio = speaker
    await session.start(ParleyAssistant(instructions="x", list_uploads=no_uploads))
    mic.say(frames)
    try:
        await wait_for(
            lambda: any(m.role == "assistant" for m in items), timeout=30, what="a spoken reply"
        )
        await wait_for(lambda: speaker.seconds > 0.5, timeout=10, what="reply audio")
    finally:
        await session.aclose()
    user = [m for m in items if m.role == "user"]
    reply = [m for m in items if m.role == "assistant"][0]
    assert user and words(user[0].text_content or "") == words("What time is it right now?")
    assert "UTC" in (reply.text_content or "")
    assert (reply.metrics or {}).get("e2e_latency") is not None
