"""A call that came in over a phone line (livekit-sip): who is calling, the keypad, and
the end of the call.

livekit-sip joins the caller as a participant of kind SIP whose attributes carry the
numbers (``sip.phoneNumber``: the caller, ``sip.trunkPhoneNumber``: the number dialled).
Keypad presses arrive as ``sip_dtmf_received`` room events; they are gathered until ``#``
or a pause and then given to the agent as what the caller typed. The call ends when the
caller hangs up, or after the agent's goodbye has been spoken (the room is deleted, which
hangs the line up).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from typing import Any

import aiohttp
from livekit import api, rtc
from livekit.agents import AgentSession, ConversationItemAddedEvent, JobContext, llm

from agent_app.call.dispatch import DispatchMetadata
from agent_app.call.plan import PhoneLine
from agent_app.settings import AgentSettings

logger = logging.getLogger("parley.agent.phone")

CALLER_ATTRIBUTE = "sip.phoneNumber"
DIALLED_ATTRIBUTE = "sip.trunkPhoneNumber"
DIGIT_PAUSE_S = 2.0
"""Keypad digits pressed closer together than this are one entry (``#`` ends one at once)."""
TRANSFER_TIMEOUT_S = 45.0
"""The longest a transfer may take: the far end rings, answers, and the REFER completes."""
GOODBYE_PLAYOUT_S = 15.0
"""The longest the agent waits for its goodbye to finish playing before hanging up."""
_GOODBYE = re.compile(r"\b(good ?bye|bye)\b", re.I)

EventSink = Callable[[str, dict[str, Any]], None]


def mask(number: str | None) -> str:
    """A number as logs may show it: its last four digits only."""
    if not number:
        return ""
    return "*" * max(0, len(number) - 4) + number[-4:]


def sip_participant(room: rtc.Room) -> rtc.RemoteParticipant | None:
    for participant in room.remote_participants.values():
        if participant.kind == rtc.ParticipantKind.PARTICIPANT_KIND_SIP:
            return participant
    return None


PARTICIPANT_WAIT_S = 10.0
"""How long a phone dispatch waits for the caller's SIP participant to be in the room."""


async def find_line(ctx: JobContext, dispatch: DispatchMetadata) -> PhoneLine | None:
    """The phone line of this call: None for a web call. A dispatch that says ``phone``
    waits (bounded) for the caller's SIP participant."""
    participant = sip_participant(ctx.room)
    if participant is None and dispatch.channel == "phone":
        try:
            participant = await asyncio.wait_for(
                ctx.wait_for_participant(kind=rtc.ParticipantKind.PARTICIPANT_KIND_SIP),
                PARTICIPANT_WAIT_S,
            )
        except TimeoutError:
            logger.warning("phone dispatch but no SIP participant joined")
    if participant is None:
        return None
    line = phone_line(participant, dispatch.dialled)
    logger.info("phone call", extra={"caller": mask(line.caller), "dialled": mask(line.dialled)})
    return line


def phone_line(participant: rtc.RemoteParticipant, dialled: str | None) -> PhoneLine:
    attributes = participant.attributes
    return PhoneLine(
        caller=attributes.get(CALLER_ATTRIBUTE) or None,
        dialled=attributes.get(DIALLED_ATTRIBUTE) or dialled,
        participant=participant.identity,
    )


def says_goodbye(text: str) -> bool:
    return bool(_GOODBYE.search(text))


class Keypad:
    """Gathers DTMF digits into entries and hands each entry on."""

    def __init__(self, on_entry: Callable[[str], None], pause_s: float = DIGIT_PAUSE_S) -> None:
        self._on_entry = on_entry
        self._pause_s = pause_s
        self._digits: list[str] = []
        self._timer: asyncio.TimerHandle | None = None

    def press(self, digit: str) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if digit == "#":
            self.flush()
            return
        self._digits.append(digit)
        self._timer = asyncio.get_running_loop().call_later(self._pause_s, self.flush)

    def flush(self) -> None:
        self._timer = None
        entry, self._digits = "".join(self._digits), []
        if entry:
            self._on_entry(entry)


class PhoneCall:
    """The phone side of a running call: keypad entries, hang-up and goodbye."""

    def __init__(
        self,
        ctx: JobContext,
        session: AgentSession[Any],
        line: PhoneLine,
        record: EventSink,
        settings: AgentSettings,
    ) -> None:
        self._ctx = ctx
        self._settings = settings
        self._session = session
        self._line = line
        self._record = record
        self._ended = False
        self._keypad = Keypad(self._on_entry)
        self._tasks: set[asyncio.Task[None]] = set()

    def attach(self) -> None:
        self._record(
            "phone_call",
            {"callerNumber": self._line.caller, "dialledNumber": self._line.dialled},
        )
        self._ctx.room.on("sip_dtmf_received", self._on_dtmf)
        self._ctx.room.on("participant_disconnected", self._on_left)
        self._session.on("conversation_item_added", self._on_item)

    async def transfer(self) -> str:
        """Hand the caller to the tenant's ``transferTo`` (SIP REFER by livekit-sip)."""
        target = self._line.transfer_to
        if not target:
            return "No transfer target is configured for this line."
        uri = target if target.startswith("sip") else f"tel:{target}"
        self._record("transfer", {"to": target})
        logger.info("transferring the call", extra={"to": mask(target)})
        settings = self._settings
        async with api.LiveKitAPI(
            settings.livekit_url,
            settings.livekit_api_key,
            settings.livekit_api_secret.get_secret_value(),
            timeout=aiohttp.ClientTimeout(total=TRANSFER_TIMEOUT_S),
        ) as client:
            await client.sip.transfer_sip_participant(
                api.TransferSIPParticipantRequest(
                    room_name=self._ctx.room.name,
                    participant_identity=self._line.participant,
                    transfer_to=uri,
                ),
                timeout=TRANSFER_TIMEOUT_S,
            )
        self._end("transferred")
        return "The call has been transferred."

    def _on_dtmf(self, dtmf: rtc.SipDTMF) -> None:
        self._keypad.press(dtmf.digit)

    def _on_entry(self, digits: str) -> None:
        self._record("dtmf", {"digits": digits})
        self._session.generate_reply(user_input=f"(keypad) {digits}")

    def _on_left(self, participant: rtc.RemoteParticipant) -> None:
        if participant.identity == self._line.participant:
            self._end("caller_hung_up")

    def _on_item(self, event: ConversationItemAddedEvent) -> None:
        item = event.item
        if isinstance(item, llm.ChatMessage) and item.role == "assistant" and not self._ended:
            if says_goodbye(item.text_content or ""):
                self._end("completed")
                self._spawn(self._hang_up())

    def _end(self, outcome: str) -> None:
        if self._ended:
            return
        self._ended = True
        self._record("call_ended", {"outcome": outcome})
        logger.info("phone call ended", extra={"outcome": outcome})

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _hang_up(self) -> None:
        """After the goodbye has played: delete the room, which ends the SIP call."""
        speech = self._session.current_speech
        if speech is not None:
            try:
                await asyncio.wait_for(speech.wait_for_playout(), GOODBYE_PLAYOUT_S)
            except TimeoutError:
                logger.warning("goodbye still playing; hanging up anyway")
        try:
            await self._ctx.delete_room()
        except Exception as e:
            logger.warning("could not hang up", extra={"error": str(e)})
