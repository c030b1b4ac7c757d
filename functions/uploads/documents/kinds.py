"""The document kinds Parley accepts, their file extensions and their MIME types."""

from __future__ import annotations

from typing import Final, Literal

DocumentKind = Literal["txt", "md", "csv", "json", "pdf", "docx"]
"""A supported document kind; also the vocabulary of ``DocumentPolicy.allowed_types``."""

ALL_KINDS: Final[frozenset[str]] = frozenset({"txt", "md", "csv", "json", "pdf", "docx"})

EXTENSIONS: Final[dict[str, DocumentKind]] = {
    "txt": "txt",
    "text": "txt",
    "md": "md",
    "markdown": "md",
    "csv": "csv",
    "json": "json",
    "pdf": "pdf",
    "docx": "docx",
}
"""Lower-case file extension (without the dot) to kind."""

ALLOWED_CONTENT_TYPES: Final[dict[DocumentKind, frozenset[str]]] = {
    "txt": frozenset({"text/plain"}),
    "md": frozenset({"text/markdown", "text/x-markdown", "text/plain"}),
    # Browsers on Windows report .csv as application/vnd.ms-excel when Excel is installed.
    "csv": frozenset({"text/csv", "application/csv", "text/plain", "application/vnd.ms-excel"}),
    "json": frozenset({"application/json", "text/json", "text/plain"}),
    "pdf": frozenset({"application/pdf", "application/x-pdf"}),
    "docx": frozenset({"application/vnd.openxmlformats-officedocument.wordprocessingml.document"}),
}
"""MIME types a client may declare for each kind (besides the generic ones below)."""

GENERIC_CONTENT_TYPES: Final[frozenset[str]] = frozenset(
    {"", "application/octet-stream", "binary/octet-stream"}
)
"""Declared types that say "unknown": accepted for every kind.

Browsers send an empty type or ``application/octet-stream`` for extensions they do not
know (``.md`` on most systems), and the declared type carries no security weight: the
sniffed bytes decide what a file is. Rejecting these would only punish honest clients.
"""


def media_type(content_type: str) -> str:
    """``"Text/Plain; charset=utf-8"`` -> ``"text/plain"``."""
    return content_type.split(";", 1)[0].strip().lower()


def content_type_fits(kind: DocumentKind, content_type: str) -> bool:
    """Whether a declared Content-Type is acceptable for a file of ``kind``."""
    declared = media_type(content_type)
    return declared in GENERIC_CONTENT_TYPES or declared in ALLOWED_CONTENT_TYPES[kind]
