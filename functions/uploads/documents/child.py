"""The extraction child process: one request on stdin, one JSON reply on stdout.

Started by :mod:`functions.uploads.documents.sandbox`; stdin carries a JSON header line, then
the document's bytes. The reply is ``["ok", text, truncated]``,
``["rejected", code, message]``, or ``["unavailable", problem]`` when the extraction
libraries cannot be imported.
"""

from __future__ import annotations

import json
import logging
import sys
import warnings
from typing import Any, Final

from functions.uploads.documents.extract import extract_docx, extract_pdf
from functions.uploads.documents.reasons import Rejection

_MAX_HEADER_BYTES: Final = 4096
_NEAR_CAP: Final = 0.75
_TOO_BIG: Final = ("rejected", "too_complex", "This document needs too much memory to process.")


def main() -> None:
    # Library warnings about malformed files are expected here and go nowhere.
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    reply: tuple[object, ...]
    header: dict[str, Any] = {}
    try:
        header = json.loads(sys.stdin.buffer.readline(_MAX_HEADER_BYTES))
        data = sys.stdin.buffer.read()
        _limit_memory(header["max_memory_bytes"])
        if header["kind"] == "pdf":
            result = extract_pdf(data, header["max_text_chars"], header["max_pdf_pages"])
        else:
            result = extract_docx(data, header["max_text_chars"])
        reply = ("ok", result.text, result.truncated)
    except MemoryError:
        reply = _TOO_BIG
    except ImportError as exc:  # a broken deployment, not a broken document
        reply = ("unavailable", repr(exc))
    except Rejection as rejection:
        reply = ("rejected", rejection.code, rejection.message)
    except Exception:  # last resort: the parent must always get a verdict
        reply = ("rejected", "damaged", "This document could not be read.")
    if reply[:2] == ("rejected", "damaged") and _near_memory_cap(header):
        # lxml reports a failed allocation as "XMLSyntaxError: unknown error", which the
        # extractor can only call damage; the peak address space tells the real story.
        reply = _TOO_BIG
    # ensure_ascii=False: the text (control characters already stripped) stays compact.
    try:
        encoded = json.dumps(reply, ensure_ascii=False).encode("utf-8")
    except MemoryError:
        encoded = json.dumps(_TOO_BIG).encode("utf-8")
    sys.stdout.buffer.write(encoded)
    sys.stdout.buffer.flush()


def _limit_memory(limit: int | None) -> None:
    if limit is None or sys.platform == "win32":
        return
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _near_memory_cap(header: dict[str, Any]) -> bool:
    limit = header.get("max_memory_bytes")
    if not isinstance(limit, int):
        return False
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmPeak:"):
                    return int(line.split()[1]) * 1024 >= limit * _NEAR_CAP
    except (OSError, ValueError, IndexError):
        pass  # not Linux: no way to tell, keep the extractor's verdict
    return False
