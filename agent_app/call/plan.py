"""A call described as data: what a call will be, decided before anything runs.

:func:`plan_call` takes the worker's settings, the tenant's profile and the dispatch,
and returns an immutable :class:`CallPlan`: the pipeline, the provider chains, the
tools, the instructions and how the call opens. ``job.py`` carries a plan out and
decides nothing itself, so a new way to run a call (a speech-to-speech model) or a new
channel (a phone line) is a new field here and a new builder there, not a branch
through the job. Pure: no LiveKit, no network.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from agent_app.call.dispatch import DispatchMetadata
from agent_app.call.tenant_profile import TenantProfile
from agent_app.settings import AgentSettings
from agent_app.tools import DEFAULT_TOOLS
from agent_app.tools.transfer import NAME as TRANSFER_TOOL

Pipeline = Literal["cascaded", "realtime"]
"""How speech becomes a reply: ``cascaded`` is STT → LLM → TTS; ``realtime`` is a
speech-to-speech model, with the cascaded chains as its fallback in the same call."""

Channel = Literal["web", "phone"]
"""How the user reaches the agent: ``web`` is a browser (or any WebRTC client), ``phone``
a phone line through the SIP bridge."""

GREETING_INSTRUCTIONS = "Greet the user in one short sentence and offer help."
PHONE_INSTRUCTIONS = (
    "You are on a phone call: keep answers short and speakable, no lists or markup. "
    "Keypad presses reach you as '(keypad) <digits>'."
)
WELCOME_BACK = "Sorry, I lost you for a moment. I'm back, and I remember our conversation."


@dataclass(frozen=True)
class Opening:
    """What the agent says first: a fixed sentence, or a reply generated on instructions."""

    say: str | None = None
    """Spoken word for word."""
    instructions: str | None = None
    """Generate the opening with these instructions (when ``say`` is None)."""
    remember: bool = True
    """Whether the opening joins the conversation the model sees."""


@dataclass(frozen=True)
class PhoneLine:
    """The numbers of a phone call."""

    caller: str | None
    """The caller's number (or SIP user), as the carrier sent it."""
    dialled: str | None
    """The tenant's number the caller rang."""
    participant: str
    """The caller's SIP participant identity in the room."""
    transfer_to: str | None = None
    """Where the ``transfer_call`` tool hands the call (the tenant's ``transferTo``)."""


@dataclass(frozen=True)
class CallPlan:
    """Everything that decides how one call runs."""

    tenant: str | None
    """The tenant whose call this is (None: the deployment's default)."""
    session_id: str | None
    """The Parley session to serve; None means the room's SID, known once connected."""
    channel: Channel
    pipeline: Pipeline
    stt: tuple[str, ...]
    """The speech-to-text chain, first preferred."""
    llm: tuple[str, ...]
    """The language-model chain, first preferred."""
    tts: tuple[str, ...]
    """The text-to-speech chain, first preferred."""
    realtime: tuple[str, ...]
    """The speech-to-speech chain, first preferred (empty unless ``pipeline`` is realtime)."""
    tools: tuple[str, ...]
    """The tools the agent may call (``agent_app/tools``)."""
    instructions: str
    """The system prompt, persona filled in."""
    greeting: Opening
    """How a fresh call opens."""
    welcome_back: Opening
    """How a call restored after its agent was lost opens (the snapshot decides which)."""
    restore_expected: bool
    """The recovery re-dispatch said a snapshot should exist."""
    settings: AgentSettings
    """The worker's settings with the tenant's profile and these chains laid over them:
    what the providers and the session read their options from."""

    phone: PhoneLine | None = None
    """The phone line (``channel`` is ``phone``), else None."""

    def opening(self, restored: bool) -> Opening:
        """The opening for a call that was (or was not) restored from a snapshot."""
        return self.welcome_back if restored else self.greeting


def plan_call(
    settings: AgentSettings,
    profile: TenantProfile,
    dispatch: DispatchMetadata,
    *,
    channel: Channel = "web",
    line: PhoneLine | None = None,
) -> CallPlan:
    """The plan for one call: the profile over the worker's settings, then every choice.
    A call with a phone ``line`` is a ``phone`` call."""
    if line is not None:
        channel = "phone"
        line = replace(line, transfer_to=profile.transfer_to)
    effective = profile.apply(settings)
    stt, llm, tts = (tuple(effective.chain(kind)) for kind in ("stt", "llm", "tts"))
    realtime = tuple(effective.realtime_providers or ())
    effective = effective.model_copy(
        update={"stt_providers": list(stt), "llm_providers": list(llm), "tts_providers": list(tts)}
    )
    greeting = (
        Opening(say=profile.greeting)
        if profile.greeting
        else Opening(instructions=GREETING_INSTRUCTIONS)
    )
    return CallPlan(
        tenant=dispatch.tenant,
        session_id=dispatch.session_id,
        channel=channel,
        pipeline="realtime" if realtime else "cascaded",
        stt=stt,
        llm=llm,
        tts=tts,
        realtime=realtime,
        tools=DEFAULT_TOOLS + ((TRANSFER_TOOL,) if line and line.transfer_to else ()),
        instructions=_instructions(effective.persona_prompt(), line),
        greeting=greeting,
        welcome_back=Opening(say=WELCOME_BACK, remember=False),
        restore_expected=dispatch.restore,
        settings=effective,
        phone=line,
    )


def _instructions(prompt: str, line: PhoneLine | None) -> str:
    if line is None:
        return prompt
    caller = f" The caller's number is {line.caller}." if line.caller else ""
    return f"{prompt}\n\n{PHONE_INSTRUCTIONS}{caller}"
