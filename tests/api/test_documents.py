"""The document inspection core: names, sniffing, limits, extraction and hostile files."""

from __future__ import annotations

import io
import json
import random
import struct
import subprocess
import time
import zipfile

import pytest

from functions.uploads.documents import (
    ALLOWED_CONTENT_TYPES,
    REASON_CODES,
    DocumentPolicy,
    DocumentVerdict,
    ExtractionUnavailable,
    InvalidFilename,
    check_declared,
    extension_type,
    inspect_document,
    inspect_document_async,
    sandbox,
    sniff_type,
    validate_filename,
)
from tests.api.document_samples import (
    DOCX_TYPE,
    docx_with,
    encrypted_pdf,
    pdf_with_text,
    plain_zip,
    rezip,
    slow_pdf,
    zip_bomb_docx,
)

PDF = "application/pdf"
POLICY = DocumentPolicy()


def inspect(
    data: bytes,
    filename: str,
    content_type: str = "application/octet-stream",
    policy: DocumentPolicy = POLICY,
    declared_size: int | None = None,
) -> DocumentVerdict:
    size = len(data) if declared_size is None else declared_size
    return inspect_document(data, filename, content_type, size, policy)


def assert_rejected(verdict: DocumentVerdict, code: str) -> None:
    assert (verdict.accepted, verdict.reason_code) == (False, code), verdict
    assert verdict.text is None
    assert verdict.reason and verdict.reason.endswith(".")


# --- accepted documents -------------------------------------------------------------

GOOD_TEXTS = [
    ("notes.txt", "text/plain", b"Meeting notes\nThe budget is approved.\n", "txt"),
    ("readme.md", "text/markdown", b"# Parley\n\nA *voice* assistant.\n", "md"),
    ("table.csv", "text/csv", b"name,age\nalice,31\nbob,42\n", "csv"),
    ("data.json", "application/json", b'{"city": "Lisbon", "temps": [21.5, 19]}', "json"),
]


@pytest.mark.parametrize(("filename", "content_type", "data", "kind"), GOOD_TEXTS)
def test_text_kinds_are_accepted_with_their_text(
    filename: str, content_type: str, data: bytes, kind: str
) -> None:
    verdict = inspect(data, filename, content_type)
    assert verdict == DocumentVerdict(True, kind, data.decode(), False, None, None)


def test_pdf_text_is_extracted_page_by_page() -> None:
    data = pdf_with_text("Quarterly revenue grew (strongly)", "Second page mentions Lisbon")
    verdict = inspect(data, "report.pdf", PDF)
    assert verdict.accepted and verdict.detected_type == "pdf", verdict
    assert verdict.text == "Quarterly revenue grew (strongly)\n\nSecond page mentions Lisbon"


def test_docx_paragraphs_and_tables_are_extracted_in_order() -> None:
    data = docx_with(["Agenda", "Budget review"], table=[["item", "cost"], ["mics", "120"]])
    verdict = inspect(data, "Agenda.DOCX", DOCX_TYPE)
    assert verdict.accepted and verdict.detected_type == "docx", verdict
    assert verdict.text == "Agenda\nBudget review\nitem\tcost\nmics\t120"


def test_utf8_bom_is_dropped_and_text_kinds_tolerate_each_other() -> None:
    verdict = inspect(b"\xef\xbb\xbfa,b\n1,2\n", "table.txt", "text/plain; charset=UTF-8")
    assert (verdict.accepted, verdict.detected_type, verdict.text) == (True, "txt", "a,b\n1,2\n")
    assert inspect(b"[1, 2]", "list.md").detected_type == "md"
    assert inspect(b"just one column\nof words\n", "words.csv").accepted


def test_text_beyond_the_cap_is_truncated_and_flagged() -> None:
    policy = DocumentPolicy(max_text_chars=10)
    verdict = inspect(b"0123456789abcdef", "long.txt", policy=policy)
    assert (verdict.accepted, verdict.text, verdict.text_truncated) == (True, "0123456789", True)
    pdf = inspect(pdf_with_text("first page text", "second page"), "a.pdf", policy=policy)
    assert (pdf.accepted, pdf.text, pdf.text_truncated) == (True, "first page", True)


def test_pdf_with_only_an_owner_password_is_readable() -> None:
    # "No printing" protection: every viewer opens it without asking for a password.
    data = encrypted_pdf(pdf_with_text("Open to all"), user_password="", owner_password="o")
    verdict = inspect(data, "restricted.pdf", PDF)
    assert (verdict.accepted, verdict.text) == (True, "Open to all"), verdict


async def test_async_variant_gives_the_same_verdict() -> None:
    data = pdf_with_text("async hello")
    verdict = await inspect_document_async(data, "a.pdf", PDF, len(data), POLICY)
    assert verdict == inspect(data, "a.pdf", PDF)


# --- size, name and declared metadata -----------------------------------------------


def test_empty_file_is_rejected() -> None:
    assert_rejected(inspect(b"", "empty.txt"), "empty")


def test_oversized_file_is_rejected() -> None:
    verdict = inspect(b"x" * 101, "big.txt", policy=DocumentPolicy(max_bytes=100))
    assert_rejected(verdict, "too_large")
    assert inspect(b"x" * 100, "ok.txt", policy=DocumentPolicy(max_bytes=100)).accepted


@pytest.mark.parametrize("declared", [5, 100, -1])
def test_declared_size_that_lies_is_rejected(declared: int) -> None:
    assert_rejected(inspect(b"hello world", "a.txt", declared_size=declared), "size_mismatch")


BAD_NAMES = [
    "",
    "../etc/passwd.txt",
    "a/b.txt",
    "a\\b.txt",
    "..",
    ".",
    "nul\x00.txt",
    "line\nbreak.txt",
    "carriage\rreturn.txt",
    "bell\x07.txt",
    "del\x7f.txt",
    "invoice\u202etxt.pdf",  # shows as "invoicefdp.txt"
    "isolate\u2066.txt",
    " leading.txt",
    "trailing.txt ",
    "trailing.txt.",
    ".hidden.txt",
    "CON.txt",
    "lpt1.md",
    "x" * 252 + ".txt",
    "é" * 126 + ".txt",  # 130 characters, but 256 bytes of UTF-8
    "surrogate\ud800.txt",
]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_unsafe_file_names_are_rejected(name: str) -> None:
    with pytest.raises(InvalidFilename):
        validate_filename(name)
    assert_rejected(inspect(b"hello", name), "invalid_name")


def test_file_names_are_normalised_to_nfc() -> None:
    assert validate_filename("cafe\u0301 menu.txt") == "caf\u00e9 menu.txt"
    assert validate_filename("rapport 2024 (v2).final.PDF") == "rapport 2024 (v2).final.PDF"
    assert validate_filename("👩‍💻 notes.md") == "👩‍💻 notes.md"  # zero-width joiner is fine


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("a.TXT", "txt"),
        ("a.markdown", "md"),
        ("a.b.csv", "csv"),
        ("a.json", "json"),
        ("a.pdf", "pdf"),
        ("a.docx", "docx"),
        ("a.doc", None),
        ("a.exe", None),
        ("pdf", None),
        (".pdf", None),
    ],
)
def test_extension_type(name: str, kind: str | None) -> None:
    assert extension_type(name) == kind


def test_types_outside_the_policy_are_rejected() -> None:
    assert_rejected(inspect(b"MZ\x90\x00", "setup.exe"), "type_not_allowed")
    assert_rejected(inspect(b"hello", "README"), "type_not_allowed")
    no_pdf = DocumentPolicy(allowed_types=frozenset({"txt"}))
    assert_rejected(inspect(pdf_with_text("x"), "a.pdf", policy=no_pdf), "type_not_allowed")


def test_declared_content_type_must_fit_the_kind() -> None:
    assert_rejected(inspect(pdf_with_text("x"), "a.pdf", "text/plain"), "type_mismatch")
    assert_rejected(inspect(b"hi", "a.txt", "application/pdf"), "type_mismatch")
    # Unknown-type declarations are accepted: the sniffed bytes decide.
    for generic in ("", "application/octet-stream", "Binary/Octet-Stream"):
        assert inspect(b"hi", "a.md", generic).accepted
    # Windows browsers with Excel installed declare CSV this way.
    assert inspect(b"a,b\n1,2\n", "t.csv", "application/vnd.ms-excel").accepted


def test_every_kind_has_content_types() -> None:
    assert set(ALLOWED_CONTENT_TYPES) == POLICY.allowed_types
    assert ALLOWED_CONTENT_TYPES["docx"] == {DOCX_TYPE}


def test_check_declared() -> None:
    policy = DocumentPolicy(max_bytes=1000)
    assert check_declared("notes.pdf", PDF, 1000, policy) is None
    assert check_declared("notes.md", "text/markdown; charset=utf-8", 10, policy) is None
    cases = [
        (("../notes.pdf", PDF, 10), "invalid_name"),
        (("notes.pdf", PDF, 0), "empty"),
        (("notes.pdf", PDF, -5), "size_mismatch"),
        (("notes.pdf", PDF, 1001), "too_large"),
        (("notes.exe", "application/x-msdownload", 10), "type_not_allowed"),
        (("notes.pdf", "image/png", 10), "type_mismatch"),
    ]
    for (filename, content_type, size), code in cases:
        problem = check_declared(filename, content_type, size, policy)
        assert problem is not None and problem[0] == code, (filename, problem)
        assert problem[1]


# --- content that is not what it claims ---------------------------------------------


def test_pdf_named_txt_is_a_type_mismatch() -> None:
    verdict = inspect(pdf_with_text("hidden"), "notes.txt", "text/plain")
    assert_rejected(verdict, "type_mismatch")
    assert verdict.detected_type == "pdf"


def test_text_named_pdf_is_a_type_mismatch() -> None:
    verdict = inspect(b"Just some words.\n", "report.pdf", PDF)
    assert_rejected(verdict, "type_mismatch")
    assert verdict.detected_type == "text"


def test_text_named_docx_is_a_type_mismatch() -> None:
    assert_rejected(inspect(b"plain words", "letter.docx", DOCX_TYPE), "type_mismatch")


def test_executable_named_pdf_is_unrecognised() -> None:
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(range(256)) * 4
    assert_rejected(inspect(exe, "invoice.pdf", PDF), "unrecognised_type")


def test_zip_that_is_not_a_docx_is_unrecognised() -> None:
    assert_rejected(inspect(plain_zip(), "archive.docx", DOCX_TYPE), "unrecognised_type")


@pytest.mark.parametrize(
    "data",
    [
        bytes(random.Random(7).randrange(256) for _ in range(4096)),  # binary junk
        b"caf\xe9 au lait\n",  # Latin-1, not UTF-8
        b"text with a \x00 NUL byte\n",
        "UTF-16 text".encode("utf-16"),
        b"\x1b\x02\x03\x04\x05\x06ab",  # mostly control characters
    ],
    ids=["junk", "latin1", "nul", "utf16", "controls"],
)
def test_binary_or_non_utf8_named_txt_is_unrecognised(data: bytes) -> None:
    assert_rejected(inspect(data, "notes.txt", "text/plain"), "unrecognised_type")


@pytest.mark.parametrize(
    "data", [b'{"a": 1,}', b"{'single': 'quotes'}", b"[" * 100_000, b"just text"]
)
def test_json_that_does_not_parse_is_a_type_mismatch(data: bytes) -> None:
    assert_rejected(inspect(data, "data.json", "application/json"), "type_mismatch")


def test_sniff_type() -> None:
    assert sniff_type(pdf_with_text("x")) == "pdf"
    assert sniff_type(docx_with(["x"])) == "docx"
    assert sniff_type(plain_zip()) is None
    assert sniff_type(b'{"a": [1, 2e400, NaN]}') == "json"
    assert sniff_type(b"a;b;c\n1;2;3\n4;5;6\n") == "csv"
    assert sniff_type(b'name,quote\nann,"hello, world"\n') == "csv"
    assert sniff_type(b"a,b\n1,2,3\n") == "text"  # ragged rows are not a table
    assert sniff_type(b"# Title\n\nProse, with a comma.\n") == "text"
    assert sniff_type(b"  junk %PDF-1.7") == "text"  # the header must open the file
    assert sniff_type(b"\x00\x01\x02") is None
    assert sniff_type(b"9" * 10_000) == "json"  # no int-conversion limit error


# --- hostile PDFs -------------------------------------------------------------------


def test_encrypted_pdf_is_rejected() -> None:
    data = encrypted_pdf(pdf_with_text("secret"), user_password="pw", owner_password="pw2")
    assert_rejected(inspect(data, "secret.pdf", PDF), "encrypted")


@pytest.mark.parametrize("keep", [0.25, 0.6, 0.97])
def test_truncated_pdf_is_damaged(keep: float) -> None:
    data = pdf_with_text("The whole story", "continues here")
    assert_rejected(inspect(data[: int(len(data) * keep)], "cut.pdf", PDF), "damaged")


def test_pdf_with_garbage_after_the_header_is_damaged() -> None:
    garbage = b"%PDF-1.7\n" + bytes(random.Random(1).randrange(256) for _ in range(2000))
    assert_rejected(inspect(garbage, "garbage.pdf", PDF), "damaged")


def test_pdf_with_too_many_pages_is_too_complex() -> None:
    policy = DocumentPolicy(max_pdf_pages=2)
    verdict = inspect(pdf_with_text("1", "2", "3"), "long.pdf", PDF, policy)
    assert_rejected(verdict, "too_complex")


def test_slow_pdf_is_killed_at_the_timeout() -> None:
    # ~20 KB that keeps pypdf busy for ~10 s: the child must be killed after 1 s.
    data = slow_pdf(300_000)
    policy = DocumentPolicy(extraction_timeout_seconds=1.0)
    started = time.monotonic()
    verdict = inspect(data, "slow.pdf", PDF, policy)
    elapsed = time.monotonic() - started
    assert_rejected(verdict, "timeout")
    assert 1.0 <= elapsed < 4.0, elapsed


@pytest.mark.parametrize(
    ("filename", "original"),
    [("fuzz.pdf", pdf_with_text("fuzz me", "and me")), ("fuzz.docx", docx_with(["fuzz me"]))],
)
def test_mutated_documents_get_a_verdict_without_internal_errors(
    filename: str, original: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    rng = random.Random(42)
    for _ in range(3):
        data = bytearray(original)
        for _ in range(20):
            data[rng.randrange(9, len(data))] = rng.randrange(256)
        verdict = inspect(bytes(data), filename)
        assert verdict.accepted or verdict.reason_code in REASON_CODES
    # The catch-all in inspect_document logs an error: it must not have been needed.
    assert not [record for record in caplog.records if record.levelname == "ERROR"]


def test_a_host_that_cannot_start_the_child_raises_instead_of_blaming_the_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_processes(*args: object, **kwargs: object) -> None:
        raise OSError("Resource temporarily unavailable")

    monkeypatch.setattr(subprocess, "Popen", no_processes)
    with pytest.raises(ExtractionUnavailable):
        inspect(pdf_with_text("fine"), "fine.pdf", PDF)


def test_a_child_that_cannot_import_its_code_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox, "_BOOTSTRAP", "import parley_no_such_module")
    with pytest.raises(ExtractionUnavailable, match="parley_no_such_module"):
        inspect(pdf_with_text("fine"), "fine.pdf", PDF)


def test_the_child_sees_no_secrets_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARLEY_TEST_SECRET", "hunter2")
    echo = (
        "import json, os, sys; "
        "sys.stdout.write(json.dumps(['ok', os.environ.get('PARLEY_TEST_SECRET', '-'), False]))"
    )
    monkeypatch.setattr(sandbox, "_BOOTSTRAP", echo)
    assert inspect(pdf_with_text("x"), "x.pdf", PDF).text == "-"


# --- hostile DOCX files -------------------------------------------------------------


def test_zip_bomb_docx_is_rejected_before_inflating() -> None:
    data = zip_bomb_docx(200)
    assert len(data) < 1024 * 1024
    started = time.monotonic()
    verdict = inspect(data, "bomb.docx", DOCX_TYPE)
    assert_rejected(verdict, "too_complex")
    assert time.monotonic() - started < 0.5  # judged from the central directory alone


def test_highly_compressed_entry_is_rejected_by_ratio() -> None:
    data = zip_bomb_docx(5)  # 5 MB of zeros: under the size cap, far over the ratio cap
    assert_rejected(inspect(data, "dense.docx", DOCX_TYPE), "too_complex")


def test_docx_with_too_many_entries_is_too_complex() -> None:
    data = rezip(docx_with(["x"]), {f"extra/part{i}.xml": b"<a/>" for i in range(30)})
    policy = DocumentPolicy(max_zip_entries=20)
    assert_rejected(inspect(data, "many.docx", DOCX_TYPE, policy), "too_complex")


@pytest.mark.parametrize("entry", ["../evil.xml", "/abs.xml", "word\\media\\x.png", "C:/x.xml"])
def test_docx_with_unsafe_entry_paths_is_damaged(entry: str) -> None:
    data = rezip(docx_with(["x"]), {entry: b"<a/>"})
    assert_rejected(inspect(data, "paths.docx", DOCX_TYPE), "damaged")


def test_docx_whose_entries_lie_about_their_size_is_damaged() -> None:
    # The directory claims 100 bytes for a 5 MB part: zipfile stops at the claim and
    # the CRC check fails, so python-docx never sees more than was declared.
    base = zipfile.ZipFile(io.BytesIO(docx_with(["x"])))
    xml = base.read("word/document.xml").replace(b"<w:body>", b"<w:body>" + b" " * 5_000_000)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in base.infolist():
            body = xml if info.filename == "word/document.xml" else base.read(info)
            archive.writestr(info.filename, body)
    data = bytearray(out.getvalue())
    for signature, size_offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            name_length = struct.unpack_from("<H", data, start + size_offset + 4)[0]
            name_offset = start + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_offset : name_offset + name_length] == b"word/document.xml":
                struct.pack_into("<I", data, start + size_offset, 100)
            start += 4
    verdict = inspect(bytes(data), "liar.docx", DOCX_TYPE)
    assert_rejected(verdict, "damaged")


def test_encrypted_zip_entries_are_rejected() -> None:
    data = bytearray(docx_with(["x"]))
    central = data.find(b"PK\x01\x02")
    data[central + 8] |= 0x1  # general-purpose flag bit 0: entry is encrypted
    assert_rejected(inspect(bytes(data), "locked.docx", DOCX_TYPE), "encrypted")


def test_docx_without_a_word_main_part_is_damaged() -> None:
    # Right file names, wrong content: python-docx's parse failure becomes a verdict.
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "not xml at all")
        archive.writestr("word/document.xml", json.dumps({"not": "xml"}))
    assert_rejected(inspect(out.getvalue(), "fake.docx", DOCX_TYPE), "damaged")


def test_extraction_memory_is_capped() -> None:
    base = zipfile.ZipFile(io.BytesIO(docx_with(["x"])))
    paragraphs = b"<w:p><w:r><w:t>line of text</w:t></w:r></w:p>" * 150_000
    xml = base.read("word/document.xml").replace(b"<w:body>", b"<w:body>" + paragraphs)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in base.infolist():
            body = xml if info.filename == "word/document.xml" else base.read(info)
            archive.writestr(info.filename, body)
    data = out.getvalue()
    roomy = DocumentPolicy(max_zip_ratio=10_000)
    assert inspect(data, "big.docx", DOCX_TYPE, roomy).accepted
    tight = DocumentPolicy(max_zip_ratio=10_000, max_extraction_memory_bytes=120 * 1024 * 1024)
    assert_rejected(inspect(data, "big.docx", DOCX_TYPE, tight), "too_complex")
    assert inspect(docx_with(["small"]), "small.docx", DOCX_TYPE, tight).accepted
