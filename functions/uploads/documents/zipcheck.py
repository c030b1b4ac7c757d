"""Zip-bomb and path checks on a DOCX archive, from its central directory only."""

from __future__ import annotations

import io
import zipfile
from typing import Final

from functions.uploads.documents.policy import DocumentPolicy
from functions.uploads.documents.reasons import Rejection

# Small XML parts legitimately compress very well; the ratio only matters for entries
# big enough to hurt once inflated.
_RATIO_FLOOR_BYTES: Final = 1024 * 1024
_MAX_PATH_DEPTH: Final = 16
_SUPPORTED_COMPRESSION: Final = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})


def check_docx_archive(data: bytes, policy: DocumentPolicy) -> None:
    """Raise :class:`Rejection` unless the archive is safe to hand to python-docx.

    Only declared sizes are inspected, which is enough: ``zipfile`` stops inflating an
    entry at its declared size (and then fails its CRC check), so an entry that lies
    about its size cannot inflate past what was checked here.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except Exception:  # any parse failure of the central directory
        raise Rejection(
            "damaged", "This DOCX file is damaged (its zip structure is broken)."
        ) from None
    if len(entries) > policy.max_zip_entries:
        raise Rejection(
            "too_complex",
            f"This DOCX file has {len(entries)} parts; the limit is {policy.max_zip_entries}.",
        )
    names: set[str] = set()
    total = 0
    for entry in entries:
        _check_path(entry.filename)
        if entry.filename in names:
            # zipfile silently uses the last of duplicate names; other readers the first.
            raise Rejection("damaged", "This DOCX file is damaged (a part appears twice).")
        names.add(entry.filename)
        if entry.flag_bits & 0x1:
            raise Rejection("encrypted", "This DOCX file is password-protected.")
        if entry.compress_type not in _SUPPORTED_COMPRESSION:
            raise Rejection("damaged", "This DOCX file uses an unsupported compression method.")
        total += entry.file_size
        if total > policy.max_docx_uncompressed_bytes:
            raise Rejection(
                "too_complex", "This DOCX file expands to more data than Parley accepts."
            )
        ratio_limit = max(entry.compress_size, 1) * policy.max_zip_ratio
        if entry.file_size > _RATIO_FLOOR_BYTES and entry.file_size > ratio_limit:
            raise Rejection(
                "too_complex", "This DOCX file is compressed suspiciously well (a zip bomb?)."
            )


def _check_path(name: str) -> None:
    parts = name.split("/")
    if (
        name.startswith("/")
        or "\\" in name
        or ":" in parts[0]
        or ".." in parts
        or len(parts) > _MAX_PATH_DEPTH
    ):
        raise Rejection("damaged", "This DOCX file contains a part with an unsafe path.")
