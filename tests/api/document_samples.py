"""Upload samples built in memory, so no binary fixture is ever committed."""

from __future__ import annotations

import io
import zipfile
import zlib

import docx
from pypdf import PdfWriter

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def pdf_with_streams(streams: list[bytes], *, compress: bool = False) -> bytes:
    """A minimal valid PDF: one Helvetica page per content stream, with a correct xref."""
    count = len(streams)
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {count} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for index, stream in enumerate(streams):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
            b" /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (5 + 2 * index)
        )
        body = zlib.compress(stream) if compress else stream
        flate = b" /Filter /FlateDecode" if compress else b""
        objects.append(b"<< /Length %d%s >>\nstream\n%s\nendstream" % (len(body), flate, body))
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, obj)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def pdf_with_text(*pages: str) -> bytes:
    """One line of text per page, drawn with the Tj operator."""
    streams = []
    for text in pages:
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        streams.append(b"BT /F1 12 Tf 72 720 Td (%s) Tj ET" % escaped.encode("latin-1"))
    return pdf_with_streams(streams)


def slow_pdf(operations: int) -> bytes:
    """A few KB of compressed content stream that costs pypdf seconds to extract."""
    stream = b"BT /F1 12 Tf " + b"1 0 0 1 72 720 Tm (word) Tj " * operations + b"ET"
    return pdf_with_streams([stream], compress=True)


def encrypted_pdf(source: bytes, *, user_password: str, owner_password: str) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(source))
    writer.encrypt(user_password=user_password, owner_password=owner_password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx_with(paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    """A real Word document made by python-docx."""
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for row, values in zip(grid.rows, table, strict=True):
            for cell, value in zip(row.cells, values, strict=True):
                cell.text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def rezip(source: bytes, extra: dict[str, bytes] | None = None) -> bytes:
    """Copy a zip's entries into a new archive, plus ``extra`` entries."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(source)) as original,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy,
    ):
        for info in original.infolist():
            copy.writestr(info.filename, original.read(info))
        for name, data in (extra or {}).items():
            copy.writestr(name, data)
    return out.getvalue()


def zip_bomb_docx(inflated_mb: int = 200) -> bytes:
    """A valid DOCX plus an entry of ``inflated_mb`` MB of zeros (about 1 KB per MB).

    The entry is streamed in 1 MB writes, so building it never holds it in memory.
    """
    out = io.BytesIO(docx_with(["Looks harmless."]))
    megabyte = bytes(1024 * 1024)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("word/media/image1.png", "w", force_zip64=True) as entry:
            for _ in range(inflated_mb):
                entry.write(megabyte)
    return out.getvalue()


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("notes/readme.txt", "just a zip")
        archive.writestr("data.csv", "a,b\n1,2\n")
    return out.getvalue()
