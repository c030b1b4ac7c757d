"""The phone line's own signals: keypad digits, and the caller hanging up mid-reply."""

from __future__ import annotations

import httpx
import pytest

from harness.processes import ManagedProcess
from harness.sip.calls import answered_call, events_when, transcript_when
from harness.sip.softphone import PhoneAccount, SoftphoneStarter
from harness.sip.stack import PhoneStack

pytestmark = pytest.mark.e2e


async def test_keypad_digits_reach_the_agent_and_hanging_up_mid_reply_ends_the_call(
    phones: PhoneStack,
    phone_agent: ManagedProcess,
    dev_number: str,
    softphones: SoftphoneStarter,
    api: httpx.AsyncClient,
) -> None:
    headers = phones.key("default")
    phone = await softphones(PhoneAccount(user="bob"))
    session_id = await answered_call(phone, phones.bridge.uri(dev_number), api, headers, "default")
    call = await events_when(api, headers, session_id, "phone_call", 30)
    assert call[0]["data"]["callerNumber"] == "bob"
    assert call[0]["data"]["dialledNumber"] == dev_number
    await phone.send_digits("42#")
    typed = await events_when(api, headers, session_id, "dtmf", 30)
    assert [e["data"]["digits"] for e in typed] == ["42"], phone_agent.tail()
    # the entry is a user turn the agent answers; hang up as soon as it is recorded
    await transcript_when(
        api,
        headers,
        session_id,
        lambda items: any(i["text"] == "(keypad) 42" for i in items),
        30,
    )
    await phone.hangup()
    await phone.wait_event("CALL_CLOSED", timeout=15)
    ended = await events_when(api, headers, session_id, "call_ended", 30)
    assert [e["data"]["outcome"] for e in ended] == ["caller_hung_up"]
    # nothing said before the hang-up is lost
    items = await transcript_when(api, headers, session_id, lambda items: len(items) >= 2, 30)
    assert items[0]["role"] == "assistant"
    assert any(i["role"] == "user" and i["text"] == "(keypad) 42" for i in items)
    session = (await api.get(f"/api/sessions/{session_id}", headers=headers)).json()
    assert session["channel"] == "phone"
    assert session["phone"] == {
        "callerNumber": "bob",
        "dialledNumber": dev_number,
        "outcome": "caller_hung_up",
    }
