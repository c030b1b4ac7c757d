"""Text extraction per kind, with the text-size cap applied as text accumulates.

The PDF and DOCX functions parse hostile bytes with large libraries; call them through
:mod:`functions.uploads.documents.sandbox`, never directly in the server process.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from functions.uploads.documents.reasons import Rejection

if TYPE_CHECKING:
    from pypdf import PdfReader

# C0 controls (but tab and line breaks), DEL and C1: noise to a language model, and a
# NUL in stored JSON trips up some consumers.
_STRIP_CONTROLS: Final = {
    code: None for code in (*range(0x00, 0x20), *range(0x7F, 0xA0)) if chr(code) not in "\t\n\r"
}
_PAGE_SEPARATOR: Final = "\n\n"


@dataclass(frozen=True)
class Extracted:
    """Text pulled out of a document, at most ``max_text_chars`` long."""

    text: str
    truncated: bool


def clean_text(text: str) -> str:
    """Remove control characters other than tab and line breaks, and lone surrogates."""
    # Broken PDF fonts can decode to lone surrogates, which no UTF-8 consumer accepts.
    text = text.encode("utf-8", "replace").decode("utf-8")
    return text.translate(_STRIP_CONTROLS)


def cap_text(chunks: Iterable[str], max_chars: int, separator: str = "\n") -> Extracted:
    """Join ``chunks`` until ``max_chars`` is passed, without consuming the rest."""
    parts: list[str] = []
    size = 0
    for chunk in chunks:
        piece = clean_text(chunk)
        if parts:
            piece = separator + piece
        parts.append(piece)
        size += len(piece)
        if size > max_chars:
            return Extracted("".join(parts)[:max_chars], truncated=True)
    return Extracted("".join(parts), truncated=False)


def extract_plain(text: str, max_chars: int) -> Extracted:
    """txt, md, csv and json: the decoded text itself."""
    return Extracted(clean_text(text[:max_chars]), truncated=len(text) > max_chars)


def extract_pdf(data: bytes, max_chars: int, max_pages: int) -> Extracted:
    """Text of every page, in order. Raises :class:`Rejection` for unusable PDFs."""
    from pypdf import PdfReader  # imported here: only the sandbox child needs pypdf
    from pypdf.errors import (
        DependencyError,
        FileNotDecryptedError,
        LimitReachedError,
        WrongPasswordError,
    )

    try:
        # Non-strict: strict mode rejects the slightly-off xref offsets that many
        # producers write and every viewer repairs; truncation still fails either way.
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not _opens_without_password(reader):
            raise Rejection("encrypted", "This PDF is encrypted; upload an unprotected copy.")
        pages = len(reader.pages)
        if pages > max_pages:
            raise Rejection("too_complex", f"This PDF has {pages} pages; the limit is {max_pages}.")
        if pages == 0:
            raise Rejection("damaged", "This PDF is damaged (it has no pages).")
        return cap_text((page.extract_text() for page in reader.pages), max_chars, _PAGE_SEPARATOR)
    except Rejection:
        raise
    except (FileNotDecryptedError, WrongPasswordError, DependencyError):
        raise Rejection("encrypted", "This PDF is encrypted; upload an unprotected copy.") from None
    except (LimitReachedError, RecursionError, MemoryError):
        raise Rejection("too_complex", "This PDF is too complex to process.") from None
    except Exception:  # pypdf raises many exception types on malformed input
        raise Rejection("damaged", "This PDF is damaged or truncated.") from None


def _opens_without_password(reader: PdfReader) -> bool:
    # A PDF with only an owner password ("no printing") opens in every viewer without
    # asking for one; its text is as public as an unencrypted file's.
    from pypdf import PasswordType

    return reader.decrypt("") != PasswordType.NOT_DECRYPTED


def extract_docx(data: bytes, max_chars: int) -> Extracted:
    """Body text in document order; table rows become tab-separated lines.

    Run :func:`functions.uploads.documents.zipcheck.check_docx_archive` first.
    """
    import docx  # imported here: only the sandbox child needs python-docx (and lxml)

    try:
        document = docx.Document(io.BytesIO(data))
        body = document.element.body
        return cap_text(_blocks(body), max_chars)
    except Rejection:
        raise
    except (RecursionError, MemoryError):
        raise Rejection("too_complex", "This DOCX file is too complex to process.") from None
    except Exception:  # zipfile, lxml and python-docx all raise their own types
        raise Rejection("damaged", "This DOCX file is damaged or not a Word document.") from None


def _blocks(container: Any) -> Iterator[str]:
    """Paragraph and table texts of a body or table cell, in order."""
    from docx.oxml.ns import qn

    paragraph, table, content_control = qn("w:p"), qn("w:tbl"), qn("w:sdt")
    content = qn("w:sdtContent")
    for child in container.iterchildren():
        if child.tag == paragraph:
            yield str(child.text)  # python-docx's CT_P: runs and hyperlinks as text
        elif child.tag == table:
            yield from _table_rows(child)
        elif child.tag == content_control:
            for inner in child.iterchildren(content):
                yield from _blocks(inner)


def _table_rows(table: Any) -> Iterator[str]:
    # Walk the XML rather than python-docx's Table API: its grid logic expands
    # gridSpan values, which a hostile file can set to millions.
    from docx.oxml.ns import qn

    for row in table.iterchildren(qn("w:tr")):
        cells = ("\n".join(_blocks(cell)) for cell in row.iterchildren(qn("w:tc")))
        yield "\t".join(cells)
