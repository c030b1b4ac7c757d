"""Turn-taking: who decides the user has finished, and how long to wait for more."""

from __future__ import annotations

from livekit.agents import TurnHandlingOptions, inference
from livekit.agents.voice.turn import TurnDetectionMode

from agent_app.settings import AgentSettings


def turn_handling(settings: AgentSettings | None = None) -> TurnHandlingOptions:
    """End of turn by the local v1-mini model (dev mode would pick a cloud one) or, with
    ``TURN_DETECTION=vad``, by silence alone; the configured endpointing delays; VAD
    barge-in; preemptive generation (the reply starts on the preflight transcript, and
    with the offline voice first, its speech too: Piper costs nothing when a changed
    transcript throws it away, a cloud voice bills every attempt)."""
    settings = settings or AgentSettings()
    detection: TurnDetectionMode = (
        inference.TurnDetector(version="v1-mini") if settings.turn_detection == "model" else "vad"
    )
    return TurnHandlingOptions(
        turn_detection=detection,
        endpointing={
            "min_delay": settings.min_endpointing_delay_seconds,
            "max_delay": settings.max_endpointing_delay_seconds,
        },
        interruption={"mode": "vad"},
        preemptive_generation={
            "enabled": True,
            "preemptive_tts": settings.chain("tts")[:1] == ["local"],
        },
    )
