"""Per-turn latency metrics: one log line per turn plus OpenTelemetry histograms.

Exported to Application Insights when ``APPLICATIONINSIGHTS_CONNECTION_STRING`` is
set (azure-monitor-opentelemetry); otherwise the OpenTelemetry API is a no-op and
the log line remains.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from livekit.agents import llm
from opentelemetry import metrics

from agent_app.settings import AgentSettings

logger = logging.getLogger("parley.agent.metrics")

_meter = metrics.get_meter("parley.agent")
_HISTOGRAMS = {
    name: _meter.create_histogram(f"parley.agent.{name}", unit="s", description=desc)
    for name, desc in {
        "e2e_latency": "end of user speech to first agent audio",
        "stt_delay": "end of user speech to final transcript",
        "end_of_turn_delay": "end of user speech to the end-of-turn decision",
        "llm_ttft": "LLM time to first token",
        "tts_ttfb": "TTS time to first audio byte",
    }.items()
}


@dataclass
class TurnMetrics:
    """Joins a user turn's STT delay with the assistant reply's latencies."""

    session_id: str
    """Label on every sample."""
    last_user: dict[str, float] = field(default_factory=dict)
    """Delays measured on the latest user message."""

    def observe(self, message: llm.ChatMessage) -> dict[str, float] | None:
        """Record a finished message; returns the turn's numbers for an assistant reply."""
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
        self.last_user = {}
        if not turn:
            return None
        attributes = {"session_id": self.session_id}
        for name, value in turn.items():
            _HISTOGRAMS[name].record(value, attributes)
        logger.info(
            "turn metrics %s",
            " ".join(f"{k}={v * 1000:.0f}ms" for k, v in sorted(turn.items())),
            extra={"session_id": self.session_id, **turn},
        )
        return turn


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
