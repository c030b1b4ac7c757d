"""What a file really is, judged from its bytes alone (never from its name)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass
from typing import Final, Literal

SniffedType = Literal["pdf", "docx", "json", "csv", "text"]
"""``text`` is UTF-8 text that is neither JSON nor tabular; it fits ``txt`` and ``md``."""

_UTF8_BOM: Final = b"\xef\xbb\xbf"
# Control characters other than the whitespace ones real text files contain: many of
# them mean binary content (or UTF-16, which Parley does not accept).
_DROP_CONTROLS: Final = {
    code: None for code in (*range(0x00, 0x20), *range(0x7F, 0xA0)) if chr(code) not in "\t\n\r\f\v"
}
_MAX_CONTROL_RATIO: Final = 0.01
_CSV_DELIMITERS: Final = (",", ";", "\t")
_CSV_SAMPLE_CHARS: Final = 64 * 1024
_CSV_SAMPLE_ROWS: Final = 50
_DOCX_MARKERS: Final = ("[Content_Types].xml", "word/document.xml")


@dataclass(frozen=True)
class Sniffed:
    """A sniff result; ``text`` is the decoded content for the text types."""

    type: SniffedType
    text: str | None = None


def sniff_type(data: bytes) -> SniffedType | None:
    """``pdf``, ``docx``, ``json``, ``csv``, ``text``, or None for anything else."""
    found = sniff(data)
    return None if found is None else found.type


def sniff(data: bytes) -> Sniffed | None:
    """Like :func:`sniff_type`, but keeps the decoded text so it is decoded only once."""
    # The header must open the file: accepting it later (as some viewers do) would let
    # any format carry a "%PDF-" a few bytes in and pass as a PDF.
    if data.startswith(b"%PDF-"):
        return Sniffed("pdf")
    if data.startswith(b"PK\x03\x04"):
        return Sniffed("docx") if _is_docx(data) else None
    text = decode_text(data)
    if text is None:
        return None
    if _is_json(text):
        return Sniffed("json", text)
    if _is_tabular(text):
        return Sniffed("csv", text)
    return Sniffed("text", text)


def decode_text(data: bytes) -> str | None:
    """Strict UTF-8 (an optional BOM is dropped) with few control characters, else None."""
    if b"\x00" in data:
        return None
    try:
        text = data.removeprefix(_UTF8_BOM).decode("utf-8")
    except UnicodeDecodeError:
        return None
    controls = len(text) - len(text.translate(_DROP_CONTROLS))  # counted at C speed
    if controls > len(text) * _MAX_CONTROL_RATIO:
        return None
    return text


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except Exception:  # zipfile raises many types on hostile archives; all mean "not docx"
        return False
    return all(marker in names for marker in _DOCX_MARKERS)


def _is_json(text: str) -> bool:
    if not text.strip():
        return False
    # The hooks drop parsed values as they go, so validating a large document does not
    # build a large object graph, and long digit strings are never converted to numbers.
    decoder = json.JSONDecoder(
        object_pairs_hook=_discard,
        parse_float=_discard,
        parse_int=_discard,
        parse_constant=_discard,
    )
    try:
        decoder.decode(text)
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        return False
    return True


def _discard(_: object) -> None:
    return None


def _is_tabular(text: str) -> bool:
    """At least two rows, each with the same number (>= 2) of fields for one delimiter."""
    sample = text[:_CSV_SAMPLE_CHARS]
    if len(text) > len(sample):
        sample = sample[: sample.rfind("\n") + 1]  # drop the row the cut went through
    return any(_consistent_rows(sample, delimiter) for delimiter in _CSV_DELIMITERS)


def _consistent_rows(sample: str, delimiter: str) -> bool:
    widths: set[int] = set()
    rows = 0
    try:
        for row in csv.reader(io.StringIO(sample), delimiter=delimiter):
            if not any(field.strip() for field in row):
                continue
            widths.add(len(row))
            rows += 1
            if len(widths) > 1 or rows >= _CSV_SAMPLE_ROWS:
                break
    except csv.Error:  # e.g. a field over csv.field_size_limit()
        return False
    return rows >= 2 and len(widths) == 1 and widths.pop() >= 2
