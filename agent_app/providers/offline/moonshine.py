"""Moonshine tiny (English), run through onnxruntime: the fast offline recogniser.

Moonshine's encoder takes the raw 16 kHz samples and costs in proportion to the audio
(Whisper always pays for a 30 s window), so re-decoding a growing utterance every half
second is affordable: about 50 ms for 2.4 s of speech on one thread. The weights ship
inside the ``moonshine-voice`` data wheel (pinned by hash, installed ``--no-deps``); only
its model files are read here, none of its code runs.

One pair of sessions per process (loaded in prewarm), and one decode at a time per
process on a dedicated thread with a bounded number of CPU threads, like Whisper.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from agent_app.providers.offline.model_files import moonshine_model_dir
from agent_app.providers.offline.process_models import ProcessModels

SAMPLE_RATE = 16_000
MODEL_NAME = "moonshine-tiny-en"
START_TOKEN = 1
END_TOKEN = 2
LAYERS = 6
HEADS = 8
HEAD_SIZE = 36
TOKENS_PER_SECOND = 6.5
"""The decoder's budget: English speech runs at about 3-4 tokens a second, so a
transcript this long is the model repeating itself, not the speaker."""
MIN_SAMPLES = SAMPLE_RATE // 10
"""The encoder's smallest useful input (its convolutions need about 0.1 s)."""


@dataclass(frozen=True)
class Transcript:
    """What Moonshine heard and how sure it was."""

    text: str
    min_logprob: float
    """The lowest log-probability among the chosen tokens (0 = certain): one unsure
    word is enough to make a transcript worth checking with Whisper."""


class Tokenizer:
    """Moonshine's ``tokenizer.bin``: each token's bytes, length-prefixed (one byte, or
    two little-endian base-128 digits when the high bit is set), in id order."""

    def __init__(self, path: Path) -> None:
        data = path.read_bytes()
        pieces: list[bytes] = []
        at = 0
        while at < len(data):
            size = data[at]
            at += 1
            if size & 0x80:
                size = (size & 0x7F) | (data[at] << 7)
                at += 1
            pieces.append(data[at : at + size])
            at += size
        self._pieces = pieces

    def __len__(self) -> int:
        return len(self._pieces)

    def decode(self, ids: list[int]) -> str:
        raw = b"".join(self._pieces[i] for i in ids if i > END_TOKEN and i < len(self._pieces))
        return raw.decode("utf-8", errors="ignore").replace("\u2581", " ").strip()


class Moonshine:
    """The encoder and the merged (cached / uncached) decoder."""

    def __init__(self, model_dir: Path, cpu_threads: int) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = cpu_threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        providers = ["CPUExecutionProvider"]
        self._encoder = ort.InferenceSession(
            str(model_dir / "encoder_model.ort"), options, providers=providers
        )
        self._decoder = ort.InferenceSession(
            str(model_dir / "decoder_model_merged.ort"), options, providers=providers
        )
        self.tokenizer = Tokenizer(model_dir / "tokenizer.bin")

    def transcribe(self, samples: np.ndarray) -> Transcript:
        """Text for 16 kHz mono float32 samples in [-1, 1] (blocking; greedy)."""
        if samples.size < MIN_SAMPLES:
            return Transcript("", 0.0)
        audio = samples.astype(np.float32, copy=False)[np.newaxis, :]
        mask = np.ones_like(audio, dtype=np.int64)
        (hidden,) = self._encoder.run(None, {"input_values": audio, "attention_mask": mask})
        # the decoder takes the mask over the input samples and strides it down itself
        encoder_mask = mask
        past: dict[str, np.ndarray] = {}
        for layer in range(LAYERS):
            for part in ("decoder", "encoder"):
                for kind in ("key", "value"):
                    past[f"past_key_values.{layer}.{part}.{kind}"] = np.zeros(
                        (1, HEADS, 0, HEAD_SIZE), dtype=np.float32
                    )
        budget = max(4, math.ceil(samples.size / SAMPLE_RATE * TOKENS_PER_SECOND))
        tokens: list[int] = []
        lowest = 0.0
        next_token = START_TOKEN
        output_names = [o.name for o in self._decoder.get_outputs()]
        for step in range(budget):
            feeds: dict[str, Any] = {
                "input_ids": np.array([[next_token]], dtype=np.int64),
                "encoder_hidden_states": hidden,
                "encoder_attention_mask": encoder_mask,
                "use_cache_branch": np.array([step > 0]),
                **past,
            }
            outputs = dict(zip(output_names, self._decoder.run(output_names, feeds), strict=True))
            logits = outputs["logits"][0, -1].astype(np.float64)
            next_token = int(np.argmax(logits))
            peak = logits[next_token]
            logprob = -math.log(float(np.sum(np.exp(logits - peak))))
            if next_token == END_TOKEN:
                break
            lowest = min(lowest, logprob)
            tokens.append(next_token)
            for name, value in outputs.items():
                if not name.startswith("present."):
                    continue
                key = "past_key_values." + name.removeprefix("present.")
                # the encoder's cross-attention cache is computed once, on the first step
                if step == 0 or ".decoder." in key:
                    past[key] = value
        return Transcript(self.tokenizer.decode(tokens), lowest)


_models = ProcessModels(lambda threads: Moonshine(moonshine_model_dir(), threads))
# one decode at a time per process: calls queue instead of oversubscribing the cores
decoding = ThreadPoolExecutor(max_workers=1, thread_name_prefix="moonshine")


def load_model(cpu_threads: int) -> Moonshine:
    """The process-wide model for ``cpu_threads`` (loaded on first use; blocking)."""
    return _models.get(cpu_threads)


def transcribe(samples: np.ndarray, cpu_threads: int) -> Transcript:
    """What the process-wide model hears in ``samples`` (blocking)."""
    return load_model(cpu_threads).transcribe(samples)
