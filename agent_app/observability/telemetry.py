"""Per-turn latency metrics, provider failovers and session starts: OpenTelemetry
instruments, one log line per turn, and session events the console reads.

Exported to Application Insights when ``APPLICATIONINSIGHTS_CONNECTION_STRING`` is
set (azure-monitor-opentelemetry); otherwise the OpenTelemetry API is a no-op and
the log line and session events remain. The App Insights workbook and alerts in
``bicep/modules/operations.bicep`` query these names: ``EXPORTED_METRICS`` is what a
test holds them to.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from livekit.agents import MetricsCollectedEvent, llm, stt, tts
from livekit.agents.metrics import RealtimeModelMetrics
from opentelemetry import metrics

from agent_app.call.room_events import make_event
from agent_app.settings import AgentSettings

logger = logging.getLogger("parley.agent.metrics")

PREFIX = "parley.agent."
TURN_STAGES = {
    "e2e_latency": "end of user speech to first agent audio",
    "stt_delay": "end of user speech to final transcript",
    "end_of_turn_delay": "end of user speech to the end-of-turn decision",
    "llm_ttft": "LLM time to first token",
    "tts_ttfb": "TTS time to first audio byte",
}
"""Per-turn latencies, each a histogram in seconds labelled with ``session_id``."""
FAILOVERS = "provider_failovers"
"""Counter: a provider in a chain became unavailable (labels ``stage``, ``provider``)."""
SESSIONS = "sessions"
"""Counter: a job started serving a session (label ``restored``: after a recovery)."""

EXPORTED_METRICS: dict[str, frozenset[str]] = {
    **{PREFIX + name: frozenset({"session_id"}) for name in TURN_STAGES},
    PREFIX + FAILOVERS: frozenset({"stage", "provider"}),
    PREFIX + SESSIONS: frozenset({"restored"}),
}
"""Every metric name this agent exports, with the dimensions it carries."""

TURN_METRICS_EVENT = "turn_metrics"
"""Session event type carrying one turn's latencies (the API's TurnMetricsData)."""
MAX_TURN_SECONDS = 300.0
"""The API's bound on one latency figure (a larger one is a clock or unit error)."""
EVENT_FIELDS = {
    "e2e_latency": "e2eLatency",
    "end_of_turn_delay": "endOfTurnDelay",
    "stt_delay": "sttDelay",
    "llm_ttft": "llmTtft",
    "tts_ttfb": "ttsTtfb",
}
"""Our stage names -> the event's camelCase fields (seconds)."""

_meter = metrics.get_meter("parley.agent")
_HISTOGRAMS = {
    name: _meter.create_histogram(PREFIX + name, unit="s", description=desc)
    for name, desc in TURN_STAGES.items()
}
_FAILOVERS = _meter.create_counter(
    PREFIX + FAILOVERS, unit="1", description="a provider in a chain became unavailable"
)
_SESSIONS = _meter.create_counter(
    PREFIX + SESSIONS, unit="1", description="jobs that started serving a session"
)

RecordEvent = Callable[[str, dict[str, Any]], None]
"""Records a session event (``RoomEventRecorder.record``)."""


MODEL_TTFT_KEPT = 32
"""Realtime responses whose time to first audio waits for its message (cancelled and tool
responses never get one): the oldest is forgotten first."""

PublishTurn = Callable[[int, dict[str, float]], None]
"""Ships one turn's numbers under its turn index (a second call replaces the first)."""


@dataclass
class TurnMetrics:
    """Joins a user turn's STT delay with the assistant reply's latencies.

    On a realtime call livekit measures neither end: the end of the caller's speech is the
    server's ``input_audio_buffer.speech_stopped`` (:meth:`speech_stopped`), and the model's
    own time to first audio arrives with ``response.done``, which can come after the reply
    was committed. Each figure is joined to its reply by response id, and a turn published
    before its figure is published again once it arrives."""

    session_id: str
    """Label on every sample."""
    publish: PublishTurn | None = None
    """Where a turn's numbers go (the turn's session event)."""
    last_user: dict[str, float] = field(default_factory=dict)
    """Delays measured on the latest user message."""
    model_ttft: dict[str, float] = field(default_factory=dict)
    """A realtime model's time to first audio, by response id, until its reply is seen."""
    awaiting_ttft: dict[str, tuple[int, dict[str, float]]] = field(default_factory=dict)
    """Replies already published whose response has not reported its time to first audio."""
    server_stops: list[float] = field(default_factory=list)
    """When the realtime server said the caller stopped speaking (not yet answered)."""

    def speech_stopped(self, at: float) -> None:
        """The realtime server detected the end of the caller's speech (``time.time()``)."""
        self.server_stops.append(at)

    def on_metrics(self, event: MetricsCollectedEvent) -> None:
        """Keep a realtime model's time to first audio for the reply it belongs to."""
        report = event.metrics
        if not isinstance(report, RealtimeModelMetrics) or report.ttft <= 0:
            return
        waiting = self.awaiting_ttft.pop(report.request_id, None)
        if waiting is None:
            self.model_ttft[report.request_id] = report.ttft
            while len(self.model_ttft) > MODEL_TTFT_KEPT:
                del self.model_ttft[next(iter(self.model_ttft))]
            return
        index, turn = waiting
        turn["llm_ttft"] = report.ttft
        self._record({"llm_ttft": report.ttft})
        if self.publish is not None:
            self.publish(index, turn)

    def observe(
        self, message: llm.ChatMessage, index: int | None = None
    ) -> dict[str, float] | None:
        """Record a finished message; returns the turn's numbers for an assistant reply and,
        given the turn's ``index``, publishes them."""
        report = message.metrics or {}
        if message.role == "user":
            self.last_user = {
                k: float(v)
                for k, v in (
                    ("stt_delay", report.get("transcription_delay")),
                    ("end_of_turn_delay", report.get("end_of_turn_delay")),
                )
                if v is not None
            }
            return None
        if message.role != "assistant":
            return None
        turn = dict(self.last_user)
        for ours, theirs in (
            ("e2e_latency", "e2e_latency"),
            ("llm_ttft", "llm_node_ttft"),
            ("tts_ttfb", "tts_node_ttfb"),
        ):
            value = report.get(theirs)
            if isinstance(value, int | float):
                turn[ours] = float(value)
        self._join_realtime(report, turn, index)
        self.last_user = {}
        if not turn:
            return None
        self._record(turn)
        logger.info(
            "turn metrics %s",
            " ".join(f"{k}={v * 1000:.0f}ms" for k, v in sorted(turn.items())),
            extra={"session_id": self.session_id, **turn},
        )
        if index is not None and self.publish is not None:
            self.publish(index, turn)
        return turn

    def _join_realtime(
        self, report: llm.MetricsReport, turn: dict[str, float], index: int | None
    ) -> None:
        """A realtime reply's end of speech → first audio, and its model's time to first audio
        (now, or once its response reports it)."""
        started = report.get("started_speaking_at")
        if isinstance(started, int | float):
            heard = [at for at in self.server_stops if at <= started]
            if heard and "e2e_latency" not in turn:
                turn["e2e_latency"] = started - heard[-1]
            # answered: a later reply starts from a later end of speech
            self.server_stops = [at for at in self.server_stops if at > started]
        if "llm_ttft" in turn:
            return
        for response_id in report.get("provider_request_ids") or []:
            if response_id in self.model_ttft:
                turn["llm_ttft"] = self.model_ttft.pop(response_id)
                return
        for response_id in report.get("provider_request_ids") or []:
            if index is not None:
                self.awaiting_ttft[response_id] = (index, turn)
                while len(self.awaiting_ttft) > MODEL_TTFT_KEPT:
                    del self.awaiting_ttft[next(iter(self.awaiting_ttft))]

    def _record(self, turn: dict[str, float]) -> None:
        attributes = {"session_id": self.session_id}
        for name, value in turn.items():
            _HISTOGRAMS[name].record(value, attributes)


def turn_metrics_event(session_id: str, turn_index: int, turn: dict[str, float]) -> dict[str, Any]:
    """The session event for one assistant turn; its id is fixed by the turn, so a
    re-sent event replaces itself."""
    data: dict[str, Any] = {"turnIndex": turn_index}
    data.update(
        {
            EVENT_FIELDS[k]: round(v, 4)
            for k, v in turn.items()
            # the API refuses a whole batch over one impossible figure: leave it out
            if k in EVENT_FIELDS and 0 <= v <= MAX_TURN_SECONDS
        }
    )
    return {
        **make_event(session_id, TURN_METRICS_EVENT, data),
        "id": f"{session_id}-{turn_index:06d}-metrics",
    }


def watch_failovers(chains: tuple[object, object, object], record: RecordEvent) -> None:
    """Count and record every provider a fallback chain (stt, llm, tts) gives up on or
    gets back; single-provider chains have nothing to watch."""
    stt_chain, llm_chain, tts_chain = chains
    if isinstance(stt_chain, stt.FallbackAdapter):
        stt_chain.on("stt_availability_changed", partial(_availability, "stt", record))
    if isinstance(llm_chain, llm.FallbackAdapter):
        llm_chain.on("llm_availability_changed", partial(_availability, "llm", record))
    if isinstance(tts_chain, tts.FallbackAdapter):
        tts_chain.on("tts_availability_changed", partial(_availability, "tts", record))


def _availability(stage: str, record: RecordEvent, event: Any) -> None:
    provider: stt.STT[Any] | llm.LLM[Any] | tts.TTS[Any] = getattr(event, stage)
    name = provider.label
    if event.available:
        record("provider_recovered", {"stage": stage, "provider": name})
        return
    failover(stage, name, record)


def failover(stage: str, provider: str, record: RecordEvent, *, to: str | None = None) -> None:
    """Count and record one provider given up on (``to``: what the call moved to, when not
    the next link of the same chain)."""
    _FAILOVERS.add(1, {"stage": stage, "provider": provider})
    data = {"stage": stage, "provider": provider}
    if to is not None:
        data["to"] = to
    logger.warning("provider failover", extra=data)
    record("provider_failover", data)


def watch_realtime_failovers(model: object, record: RecordEvent) -> None:
    """Count and record every model a realtime chain of several gives up on or gets back."""
    if isinstance(model, llm.RealtimeModelFallbackAdapter):
        model.on("realtime_availability_changed", partial(_realtime_availability, record))


def _realtime_availability(record: RecordEvent, event: Any) -> None:
    name = event.realtime_model.label
    if event.available:
        record("provider_recovered", {"stage": "realtime", "provider": name})
    else:
        failover("realtime", name, record)


def session_started(restored: bool, record: RecordEvent) -> None:
    """Count a session start; a restored one (recovery) is also a session event."""
    _SESSIONS.add(1, {"restored": str(restored).lower()})
    if restored:
        record("session_restored", {})


def configure(settings: AgentSettings) -> bool:
    """Export traces, metrics and logs to App Insights when configured; True if so."""
    if settings.applicationinsights_connection_string is None:
        return False
    from azure.monitor.opentelemetry import configure_azure_monitor
    from livekit.agents import telemetry as lk_telemetry
    from opentelemetry import trace

    configure_azure_monitor(
        connection_string=settings.applicationinsights_connection_string.get_secret_value(),
        logger_name="parley",
    )
    # livekit-agents keeps its own tracer provider: point it at the same exporter,
    # without conversation content (transcripts go to Cosmos, not to traces)
    lk_telemetry.set_tracer_provider(trace.get_tracer_provider(), allow_pii=False)
    return True
