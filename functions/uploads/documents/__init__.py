"""The storage-free core of the upload pipeline: validate, sniff and extract documents.

``check_declared`` vets an upload request's metadata; ``inspect_document`` (or its async
twin) turns the uploaded bytes into an accepted text or a rejection with a stable code.
"""

from functions.uploads.documents.kinds import ALLOWED_CONTENT_TYPES, DocumentKind
from functions.uploads.documents.names import InvalidFilename, extension_type, validate_filename
from functions.uploads.documents.policy import DocumentPolicy
from functions.uploads.documents.reasons import REASON_CODES, ExtractionUnavailable, ReasonCode
from functions.uploads.documents.sniff import SniffedType, sniff_type
from functions.uploads.documents.verdict import (
    DocumentVerdict,
    check_declared,
    inspect_document,
    inspect_document_async,
)

__all__ = [
    "ALLOWED_CONTENT_TYPES",
    "REASON_CODES",
    "DocumentKind",
    "DocumentPolicy",
    "DocumentVerdict",
    "ExtractionUnavailable",
    "InvalidFilename",
    "ReasonCode",
    "SniffedType",
    "check_declared",
    "extension_type",
    "inspect_document",
    "inspect_document_async",
    "sniff_type",
    "validate_filename",
]
