"""How a call's audio enters the job: once, at the rate everything downstream uses.

livekit-agents' room input defaults to 24 kHz with automatic gain control. Silero VAD,
the v1-mini end-of-turn model and the speech services all work at 16 kHz, so at 24 kHz
each of them resamples every frame again in the job's interpreter; at 16 kHz WebRTC
delivers the rate they need, resampled once in native code. The browser client already
applies gain control (``autoGainControl`` in ``web/``), so a second pass here only costs
CPU on every frame.
"""

from __future__ import annotations

from livekit.agents import room_io

INPUT_SAMPLE_RATE = 16_000


def room_options() -> room_io.RoomOptions:
    """The room I/O options every job starts its session with."""
    return room_io.RoomOptions(
        audio_input=room_io.AudioInputOptions(
            sample_rate=INPUT_SAMPLE_RATE, num_channels=1, auto_gain_control=False
        ),
    )
