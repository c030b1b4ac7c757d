"""Real phone calls: baresip dials livekit-sip, the agent answers in the tenant's room."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from harness.caller.voice import word_accuracy, words
from harness.processes import ManagedProcess
from harness.sip import phone_audio
from harness.sip.calls import answered_call, said_by, transcribe, transcript_when
from harness.sip.softphone import PhoneAccount, SoftphoneStarter
from harness.sip.stack import PhoneStack

pytestmark = pytest.mark.e2e

SENTENCE = "Hello there, could you tell me what you can help me with today?"


async def test_a_caller_hears_the_greeting_and_a_spoken_answer(
    phones: PhoneStack,
    phone_agent: ManagedProcess,
    dev_number: str,
    softphones: SoftphoneStarter,
    work_dir: Path,
    api: httpx.AsyncClient,
) -> None:
    said = phone_audio.write_wav(
        work_dir / "hello.wav", phone_audio.phone_speech(SENTENCE, snr_db=20, seed=3)
    )
    phone = await softphones(PhoneAccount(user="alice"))
    headers = phones.key("default")
    # the agent speaks first; the caller answers once the greeting is in the transcript
    session_id = await answered_call(phone, phones.bridge.uri(dev_number), api, headers, "default")
    await phone.speak(said)
    items = await transcript_when(api, headers, session_id, said_by("assistant", 2), 60)
    await phone.hangup()
    await phone.wait_event("CALL_CLOSED", timeout=15)
    heard_by_agent = " ".join(str(i["text"]) for i in items if i["role"] == "user")
    assert word_accuracy([(SENTENCE, heard_by_agent)]) >= 0.8, (heard_by_agent, phone_agent.tail())
    # what came down the phone line is what the transcript says the agent said
    spoken = " ".join(str(i["text"]) for i in items if i["role"] == "assistant")
    heard_on_phone = await transcribe(phone.heard())
    assert word_accuracy([(spoken, heard_on_phone)]) >= 0.7, (spoken, heard_on_phone)
    assert len(words(spoken)) >= 6, spoken
