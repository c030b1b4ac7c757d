"""Limits applied to every uploaded document."""

from __future__ import annotations

from dataclasses import dataclass, field

from functions.uploads.documents.kinds import ALL_KINDS


@dataclass(frozen=True)
class DocumentPolicy:
    """What an upload may be; every limit is checked before or while extracting text."""

    max_bytes: int = 10 * 1024 * 1024
    """Largest accepted file, in bytes (the real size, not the declared one)."""

    allowed_types: frozenset[str] = field(default_factory=lambda: ALL_KINDS)
    """Accepted kinds: any of ``txt``, ``md``, ``csv``, ``json``, ``pdf``, ``docx``."""

    max_text_chars: int = 200_000
    """Extracted text beyond this many characters is cut off and flagged as truncated."""

    max_pdf_pages: int = 500
    """PDFs with more pages are rejected as too complex before any text is extracted."""

    max_docx_uncompressed_bytes: int = 50 * 1024 * 1024
    """Ceiling on the sum of a DOCX's declared uncompressed entry sizes (zip-bomb guard)."""

    max_zip_ratio: float = 200.0
    """Largest uncompressed/compressed ratio for a sizeable DOCX entry (zip-bomb guard)."""

    max_zip_entries: int = 1000
    """Largest number of entries in a DOCX archive."""

    extraction_timeout_seconds: float = 10.0
    """Wall-clock budget for PDF/DOCX extraction, child-process start-up included."""

    max_extraction_memory_bytes: int | None = 1024 * 1024 * 1024
    """Address-space cap (RLIMIT_AS) for the extraction child; None leaves it unlimited."""
