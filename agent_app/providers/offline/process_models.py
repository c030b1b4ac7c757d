"""One loaded model per process (per CPU thread count), shared by every call in it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from livekit.agents import stt

Model = TypeVar("Model")


class ProcessModels(Generic[Model]):
    """Loads a model on first use (blocking) and hands the same one out afterwards; a
    lock keeps two first calls from loading it twice."""

    def __init__(self, load: Callable[[int], Model]) -> None:
        self._load = load
        self._models: dict[int, Model] = {}
        self._lock = threading.Lock()

    def get(self, cpu_threads: int) -> Model:
        with self._lock:
            model = self._models.get(cpu_threads)
            if model is None:
                model = self._load(cpu_threads)
                self._models[cpu_threads] = model
            return model


class LocalSTT(stt.STT[None]):
    """What the ``local`` recognisers share: their provider name, their model's name, and
    loading their models ahead of the first turn."""

    model_name = ""

    @property
    def model(self) -> str:
        return self.model_name

    @property
    def provider(self) -> str:
        return "local"

    def warm(self) -> None:
        """Load the models now (blocking) instead of on the first turn."""
        raise NotImplementedError
