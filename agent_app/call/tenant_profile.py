"""A tenant's agent profile, applied to one call.

The dispatch metadata names the tenant (``{"tenant": "acme", ...}``); as the job starts
the agent reads that tenant's profile from the API (``GET /api/tenants/{tenant}/profile``,
agent key) and lays it over the worker's own settings for this call only. A profile
change therefore reaches the next call without a restart, and a call keeps its profile
even if it changes mid-call. The profile is fetched rather than carried in the metadata
because a token's dispatch metadata is readable by the end user holding the token, and
a tenant's instructions are its own business.

Anything unset, invalid or unreachable falls back to the worker's settings: a call
always starts.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from agent_app.settings import SUPPORTED, AgentSettings

REALTIME_PROVIDERS = frozenset({"azure-openai", "voice-live", "openai"})

logger = logging.getLogger("parley.agent.tenant")

FETCH_TIMEOUT_S = 2.0
"""The longest a call start waits for its profile before going on with the defaults."""

_TEXT_LIMITS = {"persona": 64, "instructions": 4000, "greeting": 300, "language": 16, "voice": 64}
_TRANSFER_TARGET = re.compile(
    r"^(\+[1-9][0-9]{6,14}|sips?:[A-Za-z0-9+_.\-]+@[A-Za-z0-9.\-]+(:[0-9]{1,5})?)$"
)
_CHAINS = {"sttProviders": "stt", "llmProviders": "llm", "ttsProviders": "tts"}


@dataclass(frozen=True)
class TenantProfile:
    """How the agent behaves for one tenant; None keeps the worker's setting."""

    persona: str | None = None
    """The assistant's name (fills ``{persona}`` in the instructions)."""
    instructions: str | None = None
    """The system prompt."""
    greeting: str | None = None
    """Said word for word when the call starts, instead of a generated greeting."""
    language: str | None = None
    """BCP-47 language of the conversation (speech recognition and synthesis)."""
    voice: str | None = None
    """The text-to-speech voice name."""
    stt_providers: tuple[str, ...] | None = None
    llm_providers: tuple[str, ...] | None = None
    tts_providers: tuple[str, ...] | None = None
    pipeline: str | None = None
    """``realtime`` (a speech-to-speech model) or ``cascaded`` (STT → LLM → TTS)."""
    realtime_providers: tuple[str, ...] | None = None
    """The speech-to-speech chain, first preferred."""
    transfer_to: str | None = None
    """Where a phone call is handed to a human: an E.164 number or a SIP URI."""

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TenantProfile:
        """Parse the API's answer, dropping (and logging) any field that does not fit."""
        values: dict[str, Any] = {}
        for name, limit in _TEXT_LIMITS.items():
            value = data.get(name)
            if value is None:
                continue
            if isinstance(value, str) and 0 < len(value) <= limit:
                values[name] = value
            else:
                logger.warning("ignoring the tenant profile's %s", name)
        for name, kind in _CHAINS.items():
            chain = data.get(name)
            if chain is None:
                continue
            if (
                isinstance(chain, list)
                and chain
                and all(isinstance(p, str) and p in SUPPORTED[kind] for p in chain)
            ):
                values[f"{kind}_providers"] = tuple(chain)
            else:
                logger.warning("ignoring the tenant profile's %s", name)
        pipeline = data.get("pipeline")
        if pipeline in ("realtime", "cascaded"):
            values["pipeline"] = pipeline
        elif pipeline is not None:
            logger.warning("ignoring the tenant profile's pipeline")
        chain = data.get("realtimeProviders")
        if isinstance(chain, list) and chain and all(p in REALTIME_PROVIDERS for p in chain):
            values["realtime_providers"] = tuple(chain)
        elif chain is not None:
            logger.warning("ignoring the tenant profile's realtimeProviders")
        target = data.get("transferTo")
        if isinstance(target, str) and _TRANSFER_TARGET.match(target):
            values["transfer_to"] = target
        elif target is not None:
            logger.warning("ignoring the tenant profile's transferTo")
        return cls(**values)

    def apply(self, settings: AgentSettings) -> AgentSettings:
        """The worker's settings with this profile laid over them (a copy)."""
        update: dict[str, Any] = {}
        if self.persona is not None:
            update["persona"] = self.persona
        if self.instructions is not None:
            update["system_prompt"] = self.instructions
        if self.language is not None:
            update["azure_speech_language"] = self.language
        if self.voice is not None:
            # One name for whichever synthesis provider the chain picks.
            update["azure_speech_voice"] = self.voice
            update["openai_tts_voice"] = self.voice
            update["realtime_voice"] = self.voice
        for kind in ("stt", "llm", "tts"):
            chain = getattr(self, f"{kind}_providers")
            if chain is not None:
                update[f"{kind}_providers"] = list(chain)
        update.update(self._realtime(settings))
        return settings.model_copy(update=update) if update else settings

    def _realtime(self, settings: AgentSettings) -> dict[str, Any]:
        """The realtime chain this profile asks for: its own or the worker's, none when it
        chooses the cascade (or realtime with no chain anywhere to run it on)."""
        if self.pipeline == "cascaded":
            return {"realtime_providers": None}
        chain = self.realtime_providers or settings.realtime_providers
        if self.pipeline == "realtime" and not chain:
            logger.warning("the tenant profile asks for realtime, but no realtime chain is set")
        if self.pipeline == "realtime" or self.realtime_providers:
            return {"realtime_providers": list(chain) if chain else None}
        return {}


async def load_profile(
    fetch: Callable[[str], Awaitable[Mapping[str, Any]]],
    tenant: str | None,
    timeout: float = FETCH_TIMEOUT_S,
) -> TenantProfile:
    """The tenant's profile, or the empty profile when there is no tenant or no answer."""
    if not tenant:
        return TenantProfile()
    try:
        data = await asyncio.wait_for(fetch(tenant), timeout)
    except Exception as e:
        logger.warning(
            "tenant profile unavailable, using the defaults",
            extra={"tenant": tenant, "error": type(e).__name__},
        )
        return TenantProfile()
    return TenantProfile.from_json(data)
