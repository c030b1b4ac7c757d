"""The offline voice pipeline: eSpeak NG speech in, pocketsphinx, the responder, eSpeak out."""

from __future__ import annotations

import pytest
from livekit import rtc
from livekit.agents import AgentSession, ConversationItemAddedEvent, inference, llm, utils

from agent_app.assistant import ParleyAssistant
from agent_app.job import turn_handling
from agent_app.providers.factory import build_providers
from agent_app.providers.local_stt import PocketSphinxSTT
from harness.agent_helpers import settings, speech_frames
from harness.doubles.audio_io import CollectingSpeaker, PacedMicrophone
from harness.waiting import wait_for

PHRASES = ["tell me the time", "what did i upload", "goodbye", "hello there"]


@pytest.mark.parametrize("sentence", ["tell me the time", "what did i upload", "goodbye"])
async def test_pocketsphinx_recognises_espeak_with_a_grammar(sentence: str) -> None:
    frames, _ = speech_frames(sentence)
    stt = PocketSphinxSTT(phrases=PHRASES)
    event = await stt.recognize(utils.combine_frames(frames))
    assert event.alternatives[0].text == sentence


async def test_open_vocabulary_hears_speech_and_not_silence() -> None:
    # open vocabulary on synthetic speech is rough (hence the grammar); it still
    # separates speech from silence
    stt = PocketSphinxSTT()
    frames, rate = speech_frames("i would like to know the time")
    spoken = await stt.recognize(utils.combine_frames(frames))
    assert "like" in spoken.alternatives[0].text.split()
    silence = rtc.AudioFrame.create(rate, 1, rate)
    assert (await stt.recognize(silence)).alternatives[0].text == ""


async def test_spoken_question_gets_a_spoken_answer() -> None:
    """Mic → VAD → pocketsphinx → v1-mini end of turn → responder + tool → eSpeak → speaker."""
    cfg = settings(local_stt_phrases="|".join(PHRASES))
    vad = inference.VAD()
    providers = await build_providers(cfg, vad)
    frames, rate = speech_frames("tell me the time")
    mic, speaker = PacedMicrophone(rate, speed=2.0), CollectingSpeaker()
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
    assert user and user[0].text_content == "tell me the time"
    assert "UTC" in (reply.text_content or "")
    assert (reply.metrics or {}).get("e2e_latency") is not None
