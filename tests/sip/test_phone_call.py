"""Real phone calls: baresip dials livekit-sip, the agent answers in the tenant's room."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from harness.caller.voice import word_accuracy, words
from harness.processes import ManagedProcess
from harness.sip import phone_audio
from harness.sip.calls import said_by, session_of_call, transcribe, transcript_when
from harness.sip.softphone import PhoneAccount, start_softphone
from harness.sip.stack import PhoneStack

pytestmark = pytest.mark.e2e

NUMBER = "+15550100"
SENTENCE = "Hello there, could you tell me what you can help me with today?"


@pytest.fixture(scope="module")
async def number(phones: PhoneStack) -> str:
    async with httpx.AsyncClient(base_url=phones.api.base_url, timeout=30) as client:
        resp = await client.post(
            "/api/numbers",
            json={"number": NUMBER, "allowedAddresses": ["127.0.0.1/32"]},
            headers=phones.key("default"),
        )
        assert resp.status_code == 201, resp.text
    return NUMBER


async def test_a_caller_hears_the_greeting_and_a_spoken_answer(
    phones: PhoneStack,
    phone_agent: ManagedProcess,
    number: str,
    quiet_line: Path,
    work_dir: Path,
    api: httpx.AsyncClient,
) -> None:
    said = phone_audio.write_wav(
        work_dir / "hello.wav", phone_audio.phone_speech(SENTENCE, snr_db=20, seed=3)
    )
    phone = await start_softphone(work_dir, "alice", quiet_line, PhoneAccount(user="alice"))
    try:
        await phone.dial(phones.bridge.uri(number))
        await phone.wait_event("CALL_ESTABLISHED", timeout=30)
        headers = phones.key("default")
        session = await session_of_call(api, headers, "default", "alice", timeout=30)
        # the agent speaks first; the caller answers once the greeting is in the transcript
        await transcript_when(api, headers, session["sessionId"], said_by("assistant", 1), 60)
        await phone.speak(said)
        items = await transcript_when(
            api, headers, session["sessionId"], said_by("assistant", 2), timeout=60
        )
        await phone.hangup()
        await phone.wait_event("CALL_CLOSED", timeout=15)
    finally:
        await phone.close()
    heard_by_agent = " ".join(str(i["text"]) for i in items if i["role"] == "user")
    assert word_accuracy([(SENTENCE, heard_by_agent)]) >= 0.8, (heard_by_agent, phone_agent.tail())
    # what came down the phone line is what the transcript says the agent said
    spoken = " ".join(str(i["text"]) for i in items if i["role"] == "assistant")
    heard_on_phone = await transcribe(phone.heard())
    assert word_accuracy([(spoken, heard_on_phone)]) >= 0.7, (spoken, heard_on_phone)
    assert len(words(spoken)) >= 6, spoken
