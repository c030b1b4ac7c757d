"""Offline text-to-speech with eSpeak NG, loaded from the espeakng-loader wheel via ctypes."""

from __future__ import annotations

import asyncio
import ctypes
import threading

import espeakng_loader
import numpy as np
from livekit.agents import APIConnectionError, tts
from livekit.agents.types import APIConnectOptions

from agent_app.providers.offline.offline_tts import OfflineTTS

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_ESPEAK_CHARS_UTF8 = 1
_SYNTH_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


class _ESpeak:
    """The process-wide eSpeak engine; the C library is a singleton and not re-entrant."""

    _instance: _ESpeak | None = None
    _create_lock = threading.Lock()

    def __init__(self) -> None:
        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        data_path = espeakng_loader.get_data_path().encode()
        self.sample_rate = int(lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path, 0))
        if self.sample_rate <= 0:
            raise RuntimeError("espeak_Initialize failed")
        self._lib = lib
        self._chunks: list[np.ndarray] = []
        # keep a reference: the C library calls it for every audio block
        self._callback = _SYNTH_CALLBACK(self._on_audio)
        lib.espeak_SetSynthCallback(self._callback)
        self.lock = threading.Lock()

    @classmethod
    def get(cls) -> _ESpeak:
        with cls._create_lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def _on_audio(self, wav: ctypes._Pointer[ctypes.c_short], count: int, _events: int) -> int:
        if count > 0:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        return 0

    def synthesize(self, text: str, *, voice: str, words_per_minute: int) -> np.ndarray:
        """int16 mono samples at ``sample_rate`` (blocking)."""
        encoded = text.encode("utf-8")
        with self.lock:
            self._chunks = []
            if self._lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise RuntimeError(f"unknown eSpeak voice {voice!r}")
            self._lib.espeak_SetParameter(1, words_per_minute, 0)  # espeakRATE
            rc = self._lib.espeak_Synth(
                encoded, len(encoded) + 1, 0, 0, 0, _ESPEAK_CHARS_UTF8, None, None
            )
            self._lib.espeak_Synchronize()
            chunks, self._chunks = self._chunks, []
        if rc != 0:
            raise RuntimeError(f"espeak_Synth failed ({rc})")
        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)


class ESpeakTTS(OfflineTTS):
    """eSpeak NG: formant synthesis, robotic but instant and always installed."""

    def __init__(self, *, voice: str = "en-us", words_per_minute: int = 160) -> None:
        engine = _ESpeak.get()
        super().__init__(sample_rate=engine.sample_rate)
        self._engine = engine
        self._voice = voice
        self._wpm = words_per_minute

    @property
    def model(self) -> str:
        return f"espeak-ng:{self._voice}"

    def synthesize_pcm(self, text: str) -> np.ndarray:
        """Blocking synthesis, also used by tests to make speech."""
        return self._engine.synthesize(text, voice=self._voice, words_per_minute=self._wpm)

    async def speak(
        self, text: str, output_emitter: tts.AudioEmitter, conn_options: APIConnectOptions
    ) -> None:
        try:
            pcm = await asyncio.to_thread(self.synthesize_pcm, text)
        except Exception as e:
            raise APIConnectionError(f"eSpeak failed: {e}") from e
        self.open_pcm(output_emitter)
        output_emitter.push(pcm.tobytes())
