"""Validation of user-supplied file names, and the kind a name's extension implies."""

from __future__ import annotations

import unicodedata
from typing import Final

from functions.uploads.documents.kinds import EXTENSIONS, DocumentKind

MAX_NAME_CHARS: Final = 255
MAX_NAME_BYTES: Final = 255  # most file systems cap a name at 255 bytes of UTF-8

# Characters that reorder or hide text: U+202E turns "invoice\u202etxt.exe" into
# "invoiceexe.txt" on screen. Zero-width joiners stay allowed (emoji, Indic scripts).
_INVISIBLE_CONTROLS: Final = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
)
# Cc: C0/C1 controls and DEL; Cs: lone surrogates; Zl/Zp: line and paragraph separators.
_FORBIDDEN_CATEGORIES: Final = frozenset({"Cc", "Cs", "Zl", "Zp"})
_WINDOWS_DEVICES: Final = frozenset(
    {"con", "prn", "aux", "nul"}
    | {f"com{i}" for i in range(1, 10)}
    | {f"lpt{i}" for i in range(1, 10)}
)


class InvalidFilename(ValueError):
    """A file name that Parley will not store; the message says why."""


def _describe(char: str) -> str:
    return f"U+{ord(char):04X}"


def validate_filename(name: str) -> str:
    """Return ``name`` normalised to NFC, or raise :class:`InvalidFilename`.

    The name is only ever shown and offered back for download (storage paths never
    contain it), so the checks target spoofing and clients that would write it to disk.
    """
    if not isinstance(name, str):
        raise InvalidFilename("The file name must be text.")
    name = unicodedata.normalize("NFC", name)
    if not name:
        raise InvalidFilename("The file name is empty.")
    for char in name:
        if unicodedata.category(char) in _FORBIDDEN_CATEGORIES or char in _INVISIBLE_CONTROLS:
            raise InvalidFilename(
                f"The file name contains a control or invisible character ({_describe(char)})."
            )
    if len(name) > MAX_NAME_CHARS or len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise InvalidFilename(f"The file name is longer than {MAX_NAME_BYTES} bytes.")
    if "/" in name or "\\" in name:
        raise InvalidFilename("The file name must not contain a path (no '/' or '\\').")
    if name in (".", ".."):
        raise InvalidFilename("The file name is reserved.")
    if name != name.strip(" .") or name != name.strip():
        raise InvalidFilename("The file name must not start or end with a space or a dot.")
    if name.split(".", 1)[0].rstrip().lower() in _WINDOWS_DEVICES:
        raise InvalidFilename("The file name is a reserved device name on Windows.")
    return name


def extension_type(name: str) -> DocumentKind | None:
    """The kind implied by the extension (``"Report.PDF"`` -> ``"pdf"``), else None."""
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem:
        return None
    return EXTENSIONS.get(extension.lower())
