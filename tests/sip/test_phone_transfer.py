"""A caller who asks for a person is handed (SIP REFER) to the tenant's human desk."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from harness.processes import ManagedProcess
from harness.sip import phone_audio
from harness.sip.calls import answered_call, events_when
from harness.sip.softphone import PhoneAccount, start_softphone
from harness.sip.stack import PhoneStack

pytestmark = pytest.mark.e2e

NUMBER = "+15550433"
ASK = "Could I speak to a real person, please?"


async def test_transfer_lands_on_the_tenants_desk_phone(
    phones: PhoneStack,
    phone_agent: ManagedProcess,
    quiet_line: Path,
    work_dir: Path,
    api: httpx.AsyncClient,
) -> None:
    headers = phones.key("initech")
    desk = await start_softphone(
        work_dir, "desk", quiet_line, PhoneAccount(user="desk", auto_answer=True)
    )
    caller = await start_softphone(work_dir, "carol", quiet_line, PhoneAccount(user="carol"))
    try:
        profile = {"transferTo": desk.uri}
        assert (await api.put("/api/tenant/profile", json=profile, headers=headers)).is_success
        body = {"number": NUMBER, "allowedAddresses": ["127.0.0.1/32"]}
        assert (await api.post("/api/numbers", json=body, headers=headers)).status_code == 201
        session_id = await answered_call(caller, phones.bridge.uri(NUMBER), api, headers, "initech")
        ask = phone_audio.phone_speech(ASK, snr_db=25, seed=7)
        await caller.speak(phone_audio.write_wav(work_dir / "ask-a-person.wav", ask))
        transfer = await events_when(api, headers, session_id, "transfer", 60)
        assert transfer[0]["data"]["to"] == desk.uri, phone_agent.tail()
        # the caller's phone follows the REFER and the desk answers it
        answered = await desk.wait_event("CALL_ESTABLISHED", timeout=60)
        assert "carol" in str(answered.get("peeruri")), answered
        ended = await events_when(api, headers, session_id, "call_ended", 60)
        assert [e["data"]["outcome"] for e in ended] == ["transferred"]
    finally:
        await caller.close()
        await desk.close()
