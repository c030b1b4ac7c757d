"""The agent worker's configuration: one typed object read from the environment.

Each field's environment variable is its name upper-cased (no prefix). Fields marked
``json_schema_extra={"azure": False}`` only matter for local development and are not
set by the Bicep deployment.
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import (
    Field,
    JsonValue,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

JsonDict = dict[str, JsonValue]

ProviderName = Literal[
    "azure",
    "azure-openai",
    "openai",
    "local",
    "anthropic",
    "google",
    "deepgram",
    "elevenlabs",
    "aws",
]
"""A speech or language provider; which kinds each one serves is in ``SUPPORTED``."""

SUPPORTED: dict[str, frozenset[str]] = {
    "stt": frozenset({"azure", "openai", "local", "deepgram"}),
    "llm": frozenset({"azure-openai", "openai", "local", "anthropic", "google", "aws"}),
    "tts": frozenset({"azure", "openai", "local", "elevenlabs", "aws"}),
}

NOT_OFFERED: dict[tuple[str, str], str] = {
    ("stt", "aws"): (
        "Amazon Transcribe's streaming SDK installs only on Python >= 3.12 and the agent "
        "runs on 3.11, so it is not offered yet"
    ),
}
"""(kind, name) pairs a user may expect but the agent refuses, with the reason it gives."""

LOCAL_ONLY: JsonDict = {"azure": False}

DEFAULT_SYSTEM_PROMPT = (
    "You are {persona}, a friendly voice assistant. Answer in one to three short spoken "
    "sentences, without markdown, lists or emoji. Use the tools to tell the time and to "
    "look up documents the user has shared in this session; quote them when asked."
)

ProviderList = Annotated[list[ProviderName] | None, NoDecode]

RealtimeProviderName = Literal["azure-openai", "voice-live", "openai"]
"""A speech-to-speech provider (``REALTIME_PROVIDERS``)."""
RealtimeProviderList = Annotated[list[RealtimeProviderName] | None, NoDecode]


class AgentSettings(BaseSettings):
    """Everything the agent worker reads from its environment."""

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)

    # LiveKit
    livekit_url: str = "ws://127.0.0.1:7880"
    livekit_api_key: str = "devkey"
    livekit_api_secret: SecretStr = SecretStr("secret")
    agent_name: str = "parley-agent"

    # Parley HTTP API (the agent is one of its clients)
    parley_api_url: str = "http://127.0.0.1:7071"
    parley_agent_key: SecretStr = SecretStr("dev-agent-key")
    api_timeout_seconds: float = Field(default=5.0, gt=0)

    # Conversation state; absent means in-memory (one process, lost on exit)
    redis_url: SecretStr | None = None
    state_ttl_seconds: int = Field(default=86_400, gt=0)
    # With Redis, each job holds a lease renewed every 0.5 s; when it lapses this long,
    # another worker has the dead agent removed so the API re-dispatches the call.
    agent_lease_ttl_seconds: float = Field(default=2.0, ge=1.0)

    # Provider chains, first = preferred; None picks from the configured credentials
    stt_providers: ProviderList = None
    llm_providers: ProviderList = None
    tts_providers: ProviderList = None

    # OpenAI or any OpenAI-compatible server
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    openai_llm_model: str = "gpt-4o-mini"
    openai_stt_model: str = "gpt-4o-mini-transcribe"
    openai_tts_model: str = "gpt-4o-mini-tts"
    openai_tts_voice: str = "alloy"

    # Azure OpenAI (keyless through managed identity when no key is set)
    azure_openai_endpoint: str | None = None
    azure_openai_deployment: str | None = None
    azure_openai_api_version: str = "2024-10-21"
    azure_openai_api_key: SecretStr | None = None

    # Azure AI Speech
    azure_speech_region: str | None = None
    azure_speech_endpoint: str | None = None
    azure_speech_key: SecretStr | None = None
    azure_speech_host: str | None = Field(default=None, json_schema_extra=LOCAL_ONLY)
    """A self-hosted Speech container (``ws://host:port``) for recognition."""
    azure_speech_resource_id: str | None = None
    azure_speech_language: str = "en-US"
    azure_speech_voice: str = "en-US-JennyNeural"

    # Anthropic (Claude). The base URL is a gateway's or a private endpoint's, if any.
    anthropic_api_key: SecretStr | None = None
    anthropic_base_url: str | None = None
    anthropic_model: str = "claude-haiku-4-5"

    # Google Gemini (the Gemini API by key; the base URL points it at a gateway)
    google_api_key: SecretStr | None = None
    google_gemini_base_url: str | None = None
    google_llm_model: str = "gemini-2.5-flash"

    # Deepgram streaming recognition; the base URL is the listen endpoint
    # (default https://api.deepgram.com/v1/listen). Language: AZURE_SPEECH_LANGUAGE.
    deepgram_api_key: SecretStr | None = None
    deepgram_base_url: str | None = None
    deepgram_model: str = "nova-3"

    # ElevenLabs synthesis over its multi-context websocket (base URL default
    # https://api.elevenlabs.io/v1)
    elevenlabs_api_key: SecretStr | None = None
    elevenlabs_base_url: str | None = None
    elevenlabs_model: str = "eleven_turbo_v2_5"
    elevenlabs_voice_id: str = "hpp4J3VqNfWAUOO0d1Us"

    # AWS: Polly (TTS) and Bedrock (LLM) by access key; the endpoint URLs (botocore's
    # own variable names) point either at a gateway or a private (VPC) endpoint.
    aws_access_key_id: SecretStr | None = None
    aws_secret_access_key: SecretStr | None = None
    aws_session_token: SecretStr | None = Field(default=None, json_schema_extra=LOCAL_ONLY)
    """Temporary credentials (local runs); a deployment uses an access key pair."""
    aws_region: str = "us-east-1"
    aws_endpoint_url_polly: str | None = None
    aws_endpoint_url_bedrock_runtime: str | None = None
    aws_bedrock_model: str = "amazon.nova-lite-v1:0"
    aws_polly_voice: str = "Ruth"
    aws_polly_engine: Literal["standard", "neural", "long-form", "generative"] = "generative"

    # Realtime speech-to-speech (agent_app/providers/realtime). REALTIME_PROVIDERS set: a call
    # runs on that chain (first preferred) and the STT/LLM/TTS chains become its fallback
    # in the same call; unset: the cascaded pipeline alone.
    realtime_providers: RealtimeProviderList = None
    realtime_voice: str | None = None
    """The reply voice; None is each provider's default (marin; en-US-AvaMultilingualNeural)."""
    realtime_transcription_model: str = "gpt-4o-mini-transcribe"
    """Transcribes the caller for the transcript (a deployment's name on Azure OpenAI, a
    model Voice Live names: gpt-4o-mini-transcribe, gpt-4o-transcribe, azure-speech, ...)."""
    openai_realtime_model: str = "gpt-realtime"
    openai_realtime_base_url: str | None = None
    """None: OPENAI_BASE_URL, else api.openai.com."""
    azure_openai_realtime_deployment: str | None = None
    """The gpt-realtime deployment on AZURE_OPENAI_ENDPOINT (key or managed identity)."""
    azure_openai_realtime_api_version: str | None = None
    """None: the GA path (/openai/v1/realtime); a version: the preview path."""
    azure_voice_live_endpoint: str | None = None
    """The AI Services (Foundry) account's endpoint; keyless through managed identity."""
    azure_voice_live_model: str = "gpt-realtime"
    azure_voice_live_api_key: SecretStr | None = None
    realtime_connect_retries: int = Field(default=2, ge=0, le=10)
    """Reconnections a realtime model tries before the chain moves on to its next link."""

    # Managed identity (user-assigned) used for keyless Azure access
    azure_client_id: str | None = None

    # Observability
    applicationinsights_connection_string: SecretStr | None = None
    log_level: str = "INFO"

    # Shutdown: drain plus the job's own shutdown must fit the platform's grace period
    drain_timeout_seconds: int = Field(default=20, ge=1)
    job_shutdown_timeout_seconds: float = Field(default=6.0, gt=0)
    termination_grace_seconds: int = Field(default=30, ge=5)
    health_port: int = 8081

    # Capacity (agent_app/runtime/capacity.py). The worker's load is its active calls over the
    # calls it carries: CALLS_PER_CORE (measured with `make bench-capacity`: the most
    # calls one core holds with p95 voice-to-voice within 10 % of a single call) times
    # its usable cores, or MAX_CALLS when set. At LOAD_THRESHOLD of that it reports
    # itself full and LiveKit offers it no more jobs; a value above 1 never refuses
    # (a shared development machine, end-to-end tests), not for production.
    calls_per_core: float = Field(default=4.0, gt=0)
    max_calls: int | None = Field(default=None, ge=1)
    load_threshold: float = Field(default=1.0, gt=0)
    # "thread" runs every call in the worker process (one interpreter, shared models:
    # far less memory per call, but a crash in one call ends its neighbours too, and
    # Redis-lease recovery re-dispatches them); "loop" runs them there too, as tasks on
    # one event loop rather than a thread and a loop each (agent_app/runtime/shared_loop.py);
    # "process" isolates each call in its own process at about 80 MB more per call.
    job_executor: Literal["thread", "loop", "process"] = "thread"
    # Jobs kept initialised ahead of calls (models loaded); None = livekit-agents'
    # default (one per CPU in production).
    num_idle_processes: int | None = Field(default=None, ge=0)

    # livekit.rtc hands every native log record (about 250 a second per call, nearly all
    # debug) to Python to be dropped there; off, the native side filters by RUST_LOG
    # (default warn) and writes to stderr (agent_app/runtime/native_logs.py). True restores
    # the capture into Python logging, at about a fifth more worker CPU.
    rtc_log_capture: bool = Field(default=False, json_schema_extra={"azure": False})

    # livekit-agents samples each call's event loop to report blocks (telemetry spans and
    # a warning); its tick is a fifth of this threshold (at least 20 ms, at most 50 ms),
    # two wake-ups per tick per call. Blocks under a quarter second are not audible
    # stalls, so 250 ms reports what matters at 40 wake-ups a second instead of 100.
    # 0 turns the monitor off.
    loop_block_warn_ms: int = Field(default=250, ge=0, json_schema_extra={"azure": False})

    # Who decides the user has finished: "model" is livekit's v1-mini end-of-turn model on
    # the last 1.2 s of audio (about 65 ms of CPU per pause, on the turn's critical path);
    # "vad" replies after MIN_ENDPOINTING_DELAY_SECONDS of silence, whatever was said
    # (cheaper, more calls per core, but it cuts in on users who pause mid-sentence).
    turn_detection: Literal["model", "vad"] = "model"

    # End of turn: after the user stops, wait at least the min delay; when the end-of-turn
    # model judges the sentence unfinished, wait up to the max delay for more.
    min_endpointing_delay_seconds: float = Field(default=0.3, gt=0)
    max_endpointing_delay_seconds: float = Field(default=2.5, gt=0)

    # Conversation
    persona: str = "Parley"
    system_prompt: str = DEFAULT_SYSTEM_PROMPT
    upload_max_bytes: int = Field(default=25 * 1024 * 1024, gt=0)

    # Offline providers (the ``local`` links of the chains). Local-only for the deployment:
    # in Azure `local` is at most the last link of a chain, and these defaults fit it.
    local_stt_threads: int = Field(default=2, ge=1, le=16, json_schema_extra=LOCAL_ONLY)
    """CPU threads of one Whisper inference; a process runs one inference at a time."""
    local_stt_beam_size: int = Field(default=5, ge=1, le=10, json_schema_extra=LOCAL_ONLY)
    """Whisper's beam (5, faster-whisper's default); 1 is greedy: faster, less sure in noise."""
    local_tts_voice: Literal["auto", "piper", "espeak"] = Field(
        default="auto", json_schema_extra=LOCAL_ONLY
    )
    """``auto``: Piper's natural voice when its optional runtime is installed, else eSpeak NG."""
    local_tts_threads: int = Field(default=1, ge=1, le=16, json_schema_extra=LOCAL_ONLY)
    """CPU threads of one Piper synthesis (it runs faster than real time on one)."""
    local_stt_engine: Literal["streaming", "whisper"] = Field(
        default="streaming", json_schema_extra=LOCAL_ONLY
    )
    """``streaming``: Moonshine tiny while the caller speaks (interim and preflight
    transcripts), Whisper only for the finals Moonshine is unsure of; ``whisper``: Whisper
    alone on each VAD-bounded utterance (the session adds a second VAD for it). A chain
    where ``local`` follows a cloud recogniser always uses ``whisper`` for its local link
    (the streaming one needs the session's flush, which a mixed chain does not forward)."""
    local_stt_fast_threads: int = Field(default=1, ge=1, le=16, json_schema_extra=LOCAL_ONLY)
    """CPU threads of one Moonshine decode; a process runs one decode at a time."""
    local_stt_fallback_logprob: float = Field(default=-1.0, le=0, json_schema_extra=LOCAL_ONLY)
    """Whisper decides the final when Moonshine's least likely word is below this
    log-probability (lower: Whisper less often, faster finals, more misheard words)."""

    # Local development only
    transcript_spool_dir: str | None = Field(default=None, json_schema_extra=LOCAL_ONLY)

    @field_validator(
        "stt_providers", "llm_providers", "tts_providers", "realtime_providers", mode="before"
    )
    @classmethod
    def _split_providers(cls, value: object, info: ValidationInfo) -> object:
        if isinstance(value, str):
            names = [part.strip().lower() for part in value.split(",") if part.strip()]
            value = names or None
        realtime = info.field_name == "realtime_providers"
        known = get_args(RealtimeProviderName if realtime else ProviderName)
        for name in value if isinstance(value, list) else []:
            if name not in known:
                raise ValueError(f"unknown provider {name!r} (known: {', '.join(known)})")
        return value

    @model_validator(mode="after")
    def _check(self) -> AgentSettings:
        for kind in ("stt", "llm", "tts"):
            chain: list[str] | None = getattr(self, f"{kind}_providers")
            for name in chain or []:
                if (kind, name) in NOT_OFFERED:
                    reason = NOT_OFFERED[(kind, name)]
                    raise ValueError(f"{kind.upper()}_PROVIDERS: {name!r}: {reason}")
                if name not in SUPPORTED[kind]:
                    raise ValueError(f"{kind.upper()}_PROVIDERS: {name!r} cannot do {kind}")
        if self.max_endpointing_delay_seconds < self.min_endpointing_delay_seconds:
            raise ValueError(
                "MAX_ENDPOINTING_DELAY_SECONDS must be at least MIN_ENDPOINTING_DELAY_SECONDS"
            )
        # SIGTERM → drain → job shutdown callbacks → exit, all before the platform's SIGKILL
        budget = self.drain_timeout_seconds + self.job_shutdown_timeout_seconds + 2
        if budget > self.termination_grace_seconds:
            raise ValueError(
                "DRAIN_TIMEOUT_SECONDS + JOB_SHUTDOWN_TIMEOUT_SECONDS + 2 s must fit in "
                f"TERMINATION_GRACE_SECONDS ({budget} > {self.termination_grace_seconds})"
            )
        return self

    def chain(self, kind: Literal["stt", "llm", "tts"]) -> list[str]:
        """The ordered providers for ``kind``: as configured, else what credentials allow."""
        configured: list[str] | None = getattr(self, f"{kind}_providers")
        if configured:
            return list(configured)
        auto: list[str] = []
        speech = bool(self.azure_speech_key or self.azure_speech_resource_id)
        if (
            kind in ("stt", "tts")
            and speech
            and (self.azure_speech_region or self.azure_speech_endpoint)
        ):
            auto.append("azure")
        if kind == "llm" and self.azure_openai_endpoint and self.azure_openai_deployment:
            auto.append("azure-openai")
        if self.openai_api_key:
            auto.append("openai")
        auto.extend(name for name in self._keyed_providers() if name in SUPPORTED[kind])
        auto.append("local")
        return auto

    def _keyed_providers(self) -> list[str]:
        """The providers beyond Azure and OpenAI whose credentials are set."""
        keyed = {
            "anthropic": self.anthropic_api_key,
            "google": self.google_api_key,
            "deepgram": self.deepgram_api_key,
            "elevenlabs": self.elevenlabs_api_key,
            "aws": self.aws_access_key_id and self.aws_secret_access_key,
        }
        return [name for name, credential in keyed.items() if credential]

    def persona_prompt(self) -> str:
        """The system prompt with the persona's name filled in."""
        return self.system_prompt.replace("{persona}", self.persona)
