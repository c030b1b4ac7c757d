"""The upload pipeline's one decision: accept a document (with its text) or say why not."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Final, ParamSpec, TypeVar

from functions.uploads.documents.extract import Extracted, extract_plain
from functions.uploads.documents.kinds import DocumentKind, content_type_fits, media_type
from functions.uploads.documents.names import InvalidFilename, extension_type, validate_filename
from functions.uploads.documents.policy import DocumentPolicy
from functions.uploads.documents.reasons import ExtractionUnavailable, ReasonCode, Rejection
from functions.uploads.documents.sandbox import extract_isolated
from functions.uploads.documents.sniff import Sniffed, SniffedType, sniff
from functions.uploads.documents.zipcheck import check_docx_archive

log = logging.getLogger(__name__)

DEFAULT_POLICY: Final = DocumentPolicy()
P = ParamSpec("P")
R = TypeVar("R")

# Which sniffed contents may carry which extension. Text is text: a .txt or .md may hold
# JSON or a table, and CSV is loose enough that any text is accepted as CSV. Only .json
# promises a syntax, so it must parse.
_COMPATIBLE: Final[dict[DocumentKind, frozenset[SniffedType]]] = {
    "txt": frozenset({"text", "csv", "json"}),
    "md": frozenset({"text", "csv", "json"}),
    "csv": frozenset({"text", "csv", "json"}),
    "json": frozenset({"json"}),
    "pdf": frozenset({"pdf"}),
    "docx": frozenset({"docx"}),
}
_DESCRIPTIONS: Final[dict[SniffedType, str]] = {
    "pdf": "a PDF",
    "docx": "a Word document",
    "json": "JSON text",
    "csv": "CSV text",
    "text": "plain text",
}


@dataclass(frozen=True)
class DocumentVerdict:
    """The outcome of inspecting one uploaded document."""

    accepted: bool
    """True when the document passed every check and ``text`` holds its content."""

    detected_type: str | None
    """Accepted: the document kind (``txt``, ``md``, ``csv``, ``json``, ``pdf``, ``docx``).
    Rejected: what the bytes looked like (a kind, or ``text``), None if not sniffed."""

    text: str | None
    """Extracted text (possibly empty, e.g. a scanned PDF); None when rejected."""

    text_truncated: bool
    """True when ``text`` was cut at ``DocumentPolicy.max_text_chars``."""

    reason: str | None
    """Rejected: one sentence for the user. None when accepted."""

    reason_code: ReasonCode | None
    """Rejected: the stable machine-readable code. None when accepted."""

    @classmethod
    def reject(
        cls, code: ReasonCode, reason: str, detected_type: str | None = None
    ) -> DocumentVerdict:
        """A rejected verdict."""
        return cls(False, detected_type, None, False, reason, code)


def check_declared(
    filename: str, content_type: str, size: int, policy: DocumentPolicy = DEFAULT_POLICY
) -> tuple[ReasonCode, str] | None:
    """Up-front check of an upload request's metadata: ``(code, message)`` or None if fine."""
    try:
        name = _checked_name(filename)
        if size < 0:
            raise Rejection("size_mismatch", "The declared size must not be negative.")
        _check_size(size, policy)
        _checked_kind(name, content_type, policy)
    except Rejection as rejection:
        return rejection.code, rejection.message
    return None


def inspect_document(
    data: bytes,
    filename: str,
    declared_content_type: str,
    declared_size: int,
    policy: DocumentPolicy = DEFAULT_POLICY,
) -> DocumentVerdict:
    """Check an uploaded file against ``policy`` and extract its text.

    Never raises on hostile input: every problem becomes a rejected verdict. Blocks
    for up to ``policy.extraction_timeout_seconds`` on PDF/DOCX; in async code use
    :func:`inspect_document_async`. ``data`` may be a prefix of a larger blob (read at
    most ``max_bytes + 1`` bytes): anything longer than ``max_bytes`` is ``too_large``.

    Raises :class:`~functions.uploads.documents.reasons.ExtractionUnavailable` only when the
    host cannot start the extraction process; retry later in that case.
    """
    detected: str | None = None
    try:
        name = _checked_name(filename)
        _check_size(len(data), policy)
        if len(data) != declared_size:
            raise Rejection(
                "size_mismatch",
                f"The file is {len(data)} bytes but was declared as {declared_size} bytes.",
            )
        kind = _checked_kind(name, declared_content_type, policy)
        found = sniff(data)
        if found is None:
            raise Rejection(
                "unrecognised_type",
                "The file's content is not a supported document "
                "(binary data, or text that is not UTF-8).",
            )
        detected = found.type
        if found.type not in _COMPATIBLE[kind]:
            raise Rejection(
                "type_mismatch",
                f"The file is named .{kind} but its content is {_DESCRIPTIONS[found.type]}.",
            )
        extracted = _extract(kind, found, data, policy)
    except Rejection as rejection:
        return DocumentVerdict.reject(rejection.code, rejection.message, detected)
    except RecursionError:
        return DocumentVerdict.reject("too_complex", "This document is too complex.", detected)
    except ExtractionUnavailable:
        raise  # the host's problem, not the file's: the caller retries later
    except Exception:
        # A bug, not the file's fault; still a verdict, so one upload cannot wedge the queue.
        log.exception("unexpected failure inspecting %r", filename)
        return DocumentVerdict.reject("damaged", "This document could not be processed.")
    return DocumentVerdict(True, kind, extracted.text, extracted.truncated, None, None)


def _on_worker_thread(blocking: Callable[P, R]) -> Callable[P, Coroutine[None, None, R]]:
    """``blocking`` as a coroutine function with the same parameters, run by
    :func:`asyncio.to_thread` so the event loop keeps serving meanwhile."""

    async def on_worker_thread(*args: P.args, **kwargs: P.kwargs) -> R:
        return await asyncio.to_thread(blocking, *args, **kwargs)

    return on_worker_thread


inspect_document_async = _on_worker_thread(inspect_document)
""":func:`inspect_document` on a worker thread, so the event loop keeps serving."""


def _checked_name(filename: str) -> str:
    try:
        return validate_filename(filename)
    except InvalidFilename as exc:
        raise Rejection("invalid_name", str(exc)) from None


def _check_size(size: int, policy: DocumentPolicy) -> None:
    if size == 0:
        raise Rejection("empty", "The file is empty.")
    if size > policy.max_bytes:
        raise Rejection(
            "too_large",
            f"The file is larger than the {_format_bytes(policy.max_bytes)} limit.",
        )


def _checked_kind(name: str, content_type: str, policy: DocumentPolicy) -> DocumentKind:
    kind = extension_type(name)
    if kind is None or kind not in policy.allowed_types:
        allowed = ", ".join(sorted(policy.allowed_types))
        raise Rejection(
            "type_not_allowed", f"This type of file is not accepted; upload one of: {allowed}."
        )
    if not content_type_fits(kind, content_type):
        raise Rejection(
            "type_mismatch",
            f"The file is named .{kind} but was declared as {media_type(content_type)!r}.",
        )
    return kind


def _extract(kind: DocumentKind, found: Sniffed, data: bytes, policy: DocumentPolicy) -> Extracted:
    if found.text is not None:
        return extract_plain(found.text, policy.max_text_chars)
    if kind == "docx":
        check_docx_archive(data, policy)  # cheap, and spares a child process for bombs
        return extract_isolated("docx", data, policy)
    return extract_isolated("pdf", data, policy)


def _format_bytes(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.3g} KB"
    return f"{size / (1024 * 1024):.3g} MB"
