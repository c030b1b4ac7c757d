"""What the two offline voices (eSpeak NG, Piper) have in common: livekit-agents' TTS
contract for a non-streaming voice that makes mono 16-bit PCM on this machine.

A voice implements :meth:`OfflineTTS.speak`; the stream around it is shared.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from livekit.agents import tts, utils
from livekit.agents.types import DEFAULT_API_CONNECT_OPTIONS, APIConnectOptions


class OfflineTTS(tts.TTS[None], ABC):
    """Non-streaming TTS; the session splits text into sentences for it."""

    def __init__(self, *, sample_rate: int) -> None:
        super().__init__(
            capabilities=tts.TTSCapabilities(streaming=False),
            sample_rate=sample_rate,
            num_channels=1,
        )

    @property
    def provider(self) -> str:
        return "local"

    def synthesize(
        self, text: str, *, conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS
    ) -> tts.ChunkedStream:
        return _OfflineStream(tts=self, input_text=text, conn_options=conn_options)

    def open_pcm(self, output_emitter: tts.AudioEmitter) -> None:
        """Start ``output_emitter`` on this voice's mono PCM (before the first push)."""
        output_emitter.initialize(
            request_id=utils.shortuuid(),
            sample_rate=self.sample_rate,
            num_channels=1,
            mime_type="audio/pcm",
        )

    @abstractmethod
    async def speak(
        self, text: str, output_emitter: tts.AudioEmitter, conn_options: APIConnectOptions
    ) -> None:
        """Push ``text`` as PCM to ``output_emitter`` (opened with :meth:`open_pcm`);
        raise :class:`~livekit.agents.APIConnectionError` when synthesis fails."""


class _OfflineStream(tts.ChunkedStream):
    def __init__(self, *, tts: OfflineTTS, input_text: str, conn_options: APIConnectOptions):
        super().__init__(tts=tts, input_text=input_text, conn_options=conn_options)
        self._voice = tts

    async def _run(self, output_emitter: tts.AudioEmitter) -> None:
        await self._voice.speak(self.input_text, output_emitter, self._conn_options)
        output_emitter.flush()
