"""Request and response bodies of the HTTP API (they generate the OpenAPI document)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$"
SESSION_ID_PATTERN = r"^[A-Za-z0-9_\-]{1,64}$"


class ApiModel(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class TokenRequest(ApiModel):
    roomName: str | None = Field(
        default=None,
        pattern=NAME_PATTERN,
        description="Room to join; a new room is created when omitted.",
        examples=["support-42"],
    )
    participantName: str | None = Field(
        default=None,
        pattern=NAME_PATTERN,
        description="Participant identity (integrators only; Easy Auth users get their own).",
        examples=["alice"],
    )
    metadata: dict[str, Any] | None = Field(
        default=None,
        description="Small JSON object passed to the agent as dispatch metadata (<= 2 KB).",
        examples=[{"locale": "en-US"}],
    )


class TokenResponse(ApiModel):
    serverUrl: str = Field(examples=["wss://parley.livekit.cloud"])
    roomName: str = Field(examples=["support-42"])
    participantToken: str = Field(description="LiveKit access token (JWT).")
    participantName: str = Field(examples=["alice"])


class Participant(BaseModel):
    sid: str
    identity: str | None = None
    name: str | None = None
    kind: str = "standard"
    state: Literal["joined", "left"] = "joined"
    joinedAt: str | None = None
    leftAt: str | None = None


class Track(BaseModel):
    sid: str
    participantSid: str | None = None
    type: str = "unknown"
    source: str = "unknown"
    publishedAt: str | None = None
    unpublishedAt: str | None = None


class Egress(BaseModel):
    egressId: str
    status: str
    updatedAt: str | None = None
    error: str | None = None


class PhoneDetails(BaseModel):
    """What the agent recorded about a phone call (its `phone_call` and `call_ended` events)."""

    callerNumber: str | None = Field(default=None, description="Who called (as the carrier said).")
    dialledNumber: str | None = Field(default=None, description="The tenant's number rung.")
    outcome: str | None = Field(
        default=None,
        description="How the call ended: `completed` (the agent said goodbye), "
        "`caller_hung_up`; null while it runs or if the agent recorded no end.",
    )


class Session(BaseModel):
    sessionId: str = Field(description="The LiveKit room SID.", examples=["RM_9sWr2YpX7pLq"])
    roomName: str | None = Field(default=None, examples=["support-42"])
    status: Literal["active", "finished"]
    createdAt: str | None = None
    startedAt: str | None = None
    finishedAt: str | None = None
    endReason: str | None = None
    continuedIn: str | None = Field(
        default=None,
        description="The session this call went on in when its room got a new SID (LiveKit "
        "restarted mid-call); this one then ends with endReason `replaced`.",
    )
    participants: list[Participant] = Field(default_factory=list)
    tracks: list[Track] = Field(default_factory=list)
    egress: list[Egress] = Field(default_factory=list)
    lastEventAt: str | None = None
    channel: Literal["web", "phone"] = Field(
        default="web", description="How the user reached the agent: a browser or a phone line."
    )
    phone: PhoneDetails | None = Field(
        default=None, description="Numbers and outcome of a phone call (single-session reads)."
    )


class SessionPage(BaseModel):
    items: list[Session]
    continuation: str | None = Field(description="Pass back to get the next page; null at the end.")


class Segment(ApiModel):
    id: str = Field(
        pattern=r"^[A-Za-z0-9_\-]{1,64}-\d{6}-(user|assistant)$",
        description="Deterministic id `{sessionId}-{turnIndex:06d}-{role}`; re-sending is a no-op.",
        examples=["RM_9sWr2YpX7pLq-000003-assistant"],
    )
    role: Literal["user", "assistant"]
    text: str = Field(max_length=20_000, examples=["It is 3 pm in Amsterdam."])
    turnIndex: int = Field(ge=0, le=999_999, examples=[3])
    startedAt: str | None = Field(default=None, max_length=40)
    endedAt: str | None = Field(default=None, max_length=40)
    participantIdentity: str | None = Field(default=None, max_length=128)
    interrupted: bool | None = None
    language: str | None = Field(default=None, max_length=16)


class SegmentBatch(ApiModel):
    segments: list[Segment] = Field(min_length=1, max_length=100)


class Accepted(BaseModel):
    accepted: int = Field(description="How many items were stored (re-sent ones included).")


class TranscriptPage(BaseModel):
    items: list[Segment]
    continuation: str | None = Field(description="Pass back to get the next page; null at the end.")


TURN_METRICS_EVENT = "turn_metrics"
LATENCY_LIMIT_S = 300.0
"""No turn takes five minutes: a larger figure is a unit mistake, not a slow call."""
Latency = Annotated[float | None, Field(ge=0, le=LATENCY_LIMIT_S)]


class TurnMetricsData(ApiModel):
    """One assistant turn's latencies in seconds, measured by the agent; absent when a
    stage was not measured (a typed reply has no STT, a cached one no LLM)."""

    turnIndex: int = Field(ge=0, le=999_999, description="The assistant segment's turn index.")
    e2eLatency: Latency = Field(
        default=None, description="Voice-to-voice: end of user speech to first agent audio."
    )
    endOfTurnDelay: Latency = Field(
        default=None, description="End of user speech to the end-of-turn decision."
    )
    sttDelay: Latency = Field(default=None, description="End of user speech to the final text.")
    llmTtft: Latency = Field(default=None, description="LLM time to first token.")
    ttsTtfb: Latency = Field(default=None, description="TTS time to first audio byte.")


class TurnMetrics(TurnMetricsData):
    at: str = Field(description="When the agent recorded the turn.")


class TurnMetricsPage(BaseModel):
    items: list[TurnMetrics] = Field(description="In turn order.")


class SessionEvent(ApiModel):
    id: str = Field(pattern=r"^[A-Za-z0-9_\-:.]{1,128}$", description="Idempotency key.")
    type: str = Field(pattern=r"^[a-z0-9_.]{1,64}$", examples=["participant_connected"])
    at: str = Field(max_length=40, examples=["2026-11-24T08:00:00.000Z"])
    data: dict[str, Any] = Field(
        default_factory=dict,
        description=(
            "Free-form per type, except `turn_metrics`, whose data must be a TurnMetrics "
            "object without `at` (one assistant turn's latencies; see "
            "GET /api/sessions/{sessionId}/metrics)."
        ),
    )

    @model_validator(mode="after")
    def _typed_data(self) -> SessionEvent:
        if self.type == TURN_METRICS_EVENT:
            TurnMetricsData.model_validate(self.data)
        return self


class SessionEventBatch(ApiModel):
    events: list[SessionEvent] = Field(min_length=1, max_length=100)


class SessionEventPage(BaseModel):
    items: list[SessionEvent]


class UploadRequest(ApiModel):
    filename: str = Field(min_length=1, max_length=255, examples=["notes.pdf"])
    contentType: str = Field(min_length=1, max_length=255, examples=["application/pdf"])
    size: int = Field(ge=1, description="Exact size in bytes.", examples=[48213])
    roomName: str | None = Field(
        default=None, pattern=NAME_PATTERN, description="Room to notify when processed."
    )


class UploadTicket(BaseModel):
    uploadId: str
    uploadUrl: str = Field(description="Write-only SAS URL for one blob; PUT the bytes here.")
    expiresAt: str
    requiredHeaders: dict[str, str] = Field(
        description="Headers the PUT must carry.",
        examples=[{"x-ms-blob-type": "BlockBlob", "Content-Type": "application/pdf"}],
    )


class Upload(BaseModel):
    uploadId: str
    sessionId: str
    filename: str
    contentType: str
    size: int
    status: Literal["pending", "processing", "ready", "rejected"]
    reason: str | None = Field(default=None, description="Why it was rejected.")
    reasonCode: str | None = None
    detectedType: str | None = None
    textChars: int | None = None
    textTruncated: bool | None = None
    createdAt: str
    processedAt: str | None = None
    text: str | None = Field(default=None, description="Extracted text (with includeText=true).")


class UploadList(BaseModel):
    items: list[Upload]


class DependencyState(BaseModel):
    status: Literal["ok", "error", "unconfigured"]
    detail: str | None = None


class AgentMetrics(BaseModel):
    """Load figures for autoscaling (the KEDA metrics-api rule reads ``activeSessions``)."""

    activeSessions: int = Field(ge=0, description="Rooms with at least one participant now.")
    rooms: int = Field(ge=0, description="Rooms the LiveKit server holds, empty ones included.")


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    version: str
    dependencies: dict[str, DependencyState]


# The names the agent's chains know; a provider named here needs its key in the deployment.
SttProvider = Literal["azure", "openai", "local", "deepgram"]
LlmProvider = Literal["azure-openai", "openai", "local", "anthropic", "google", "aws"]
TtsProvider = Literal["azure", "openai", "local", "elevenlabs", "aws"]
RealtimeProvider = Literal["azure-openai", "voice-live", "openai"]


class TenantProfile(ApiModel):
    """How the agent behaves in this tenant's calls; every field left out keeps the
    deployment's default (the agent's own settings)."""

    persona: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="The assistant's name, filled into `{persona}` in the instructions.",
        examples=["Ada"],
    )
    instructions: str | None = Field(
        default=None,
        min_length=1,
        max_length=4000,
        description="System prompt for the language model (may use `{persona}`).",
    )
    greeting: str | None = Field(
        default=None,
        min_length=1,
        max_length=300,
        description="Spoken word for word when a call starts (instead of a generated greeting).",
        examples=["Hello, this is Ada from Acme support."],
    )
    language: str | None = Field(
        default=None,
        pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$",
        description="BCP-47 language of the conversation, e.g. `en-US`.",
        examples=["en-US"],
    )
    voice: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9:_.\-]{1,64}$",
        description="Voice name for the text-to-speech provider (e.g. `en-US-AvaNeural`).",
    )
    transferTo: str | None = Field(
        default=None,
        pattern=r"^(\+[1-9][0-9]{6,14}|sips?:[A-Za-z0-9+_.\-]+@[A-Za-z0-9.\-]+(:[0-9]{1,5})?)$",
        description="Where the agent's `transfer` tool hands a phone call to a human (SIP "
        "REFER): an E.164 number (`tel:`) or a SIP URI.",
        examples=["+15550123", "sip:desk@pbx.example.com"],
    )
    sttProviders: list[SttProvider] | None = Field(
        default=None, min_length=1, max_length=3, description="Speech-to-text chain, in order."
    )
    llmProviders: list[LlmProvider] | None = Field(
        default=None, min_length=1, max_length=3, description="Language-model chain, in order."
    )
    ttsProviders: list[TtsProvider] | None = Field(
        default=None, min_length=1, max_length=3, description="Text-to-speech chain, in order."
    )
    pipeline: Literal["realtime", "cascaded"] | None = Field(
        default=None,
        description=(
            "`realtime`: a speech-to-speech model, falling back to the cascade in the same call;"
            " `cascaded`: speech-to-text, language model, text-to-speech."
        ),
    )
    realtimeProviders: list[RealtimeProvider] | None = Field(
        default=None,
        min_length=1,
        max_length=3,
        description="Speech-to-speech chain, in order (implies `realtime` unless `cascaded`).",
    )
