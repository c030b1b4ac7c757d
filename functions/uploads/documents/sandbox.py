"""Run PDF/DOCX extraction in a child process that is killed when it overruns.

A parser stuck in a pathological file cannot be interrupted from a thread, and a file
that inflates into gigabytes must not take the API process down with it. So the work
happens in a fresh interpreter with an address-space cap and a scrubbed environment
(no secrets near hostile input), and the parent waits with a deadline.

A plain ``subprocess`` rather than ``multiprocessing``: its ``spawn`` start method
re-imports the host's ``__main__`` in every child (slow, and fatal when that module
lacks a main guard), and ``fork`` would copy a threaded server's locks.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Final, Literal

from functions.uploads.documents.extract import Extracted
from functions.uploads.documents.policy import DocumentPolicy
from functions.uploads.documents.reasons import (
    REASON_CODES,
    ExtractionUnavailable,
    ReasonCode,
    Rejection,
)

BinaryKind = Literal["pdf", "docx"]

# Each child is a whole interpreter busy on one core: running more at once than there
# are cores only makes every one of them slower to meet its deadline.
_SLOTS: Final = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))
_CODES: Final[dict[str, ReasonCode]] = {code: code for code in REASON_CODES}
_APP_ROOT: Final = str(Path(__file__).resolve().parents[2])
# -I ignores PYTHON* variables and the user site; the child gets this process's import
# path instead, since Azure Functions finds the app's packages through PYTHONPATH.
_BOOTSTRAP: Final = (
    "import json, sys; sys.path[:0] = json.loads(sys.argv[1]); "
    "from functions.uploads.documents.child import main; main()"
)
_KEPT_ENVIRONMENT: Final = ("PATH", "LD_LIBRARY_PATH", "SYSTEMROOT", "TMPDIR", "TEMP", "TMP")


def extract_isolated(kind: BinaryKind, data: bytes, policy: DocumentPolicy) -> Extracted:
    """Extract text in a child process; raise :class:`Rejection` for any failure.

    Raises :class:`ExtractionUnavailable` only if no working child process can be
    started (no process slots, or the extraction libraries are not importable).
    """
    header = {
        "kind": kind,
        "max_text_chars": policy.max_text_chars,
        "max_pdf_pages": policy.max_pdf_pages,
        "max_memory_bytes": policy.max_extraction_memory_bytes,
    }
    request = json.dumps(header).encode("utf-8") + b"\n" + data
    environment = {name: os.environ[name] for name in _KEPT_ENVIRONMENT if name in os.environ}
    with _SLOTS:
        try:
            child = subprocess.Popen(
                [sys.executable, "-I", "-c", _BOOTSTRAP, json.dumps([_APP_ROOT, *sys.path])],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=environment,
            )
        except OSError as exc:
            raise ExtractionUnavailable(f"cannot start the extraction process: {exc}") from exc
        with child:
            try:
                reply, errors = child.communicate(
                    request, timeout=policy.extraction_timeout_seconds
                )
            except subprocess.TimeoutExpired:
                child.kill()
                child.communicate()  # reap it and close the pipes
                raise Rejection("timeout", "This document took too long to process.") from None
    if not reply and child.returncode == 1:
        # An uncaught exception before the child's main() caught everything: it could
        # not even import its own code.
        problem = errors.decode("utf-8", "replace").strip().splitlines()[-1:]
        raise ExtractionUnavailable(f"the extraction process failed: {problem}")
    return _parse_reply(reply)


def _parse_reply(reply: bytes) -> Extracted:
    try:
        message = json.loads(reply)
    except ValueError:
        # No answer: killed by the memory cap, or a crash inside a C extension.
        raise Rejection(
            "too_complex", "This document could not be processed within Parley's limits."
        ) from None
    match message:
        case ["ok", str() as text, bool() as truncated]:
            return Extracted(text, truncated)
        case ["rejected", str() as code, str() as reason]:
            raise Rejection(_CODES.get(code, "damaged"), reason)
        case ["unavailable", str() as problem]:
            raise ExtractionUnavailable(f"the extraction process is broken: {problem}")
    raise Rejection("damaged", "This document could not be read.")
