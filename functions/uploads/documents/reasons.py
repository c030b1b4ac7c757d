"""Stable rejection codes and the exception that carries one through the pipeline."""

from __future__ import annotations

from typing import Final, Literal, get_args

ReasonCode = Literal[
    "too_large",
    "size_mismatch",
    "type_not_allowed",
    "type_mismatch",
    "unrecognised_type",
    "encrypted",
    "damaged",
    "too_complex",
    "timeout",
    "invalid_name",
    "empty",
]
"""Why a document was rejected; part of the API contract, so never renamed."""

# Derived from the Literal so the two can never drift apart.
REASON_CODES: Final[tuple[ReasonCode, ...]] = get_args(ReasonCode)


class Rejection(Exception):
    """A document failed a check; ``message`` is a sentence fit to show the user."""

    def __init__(self, code: ReasonCode, message: str) -> None:
        super().__init__(message)
        self.code: ReasonCode = code
        self.message = message


class ExtractionUnavailable(RuntimeError):
    """The extraction child process could not be started (the host's fault, not the file's).

    The caller should retry later rather than reject the document.
    """
