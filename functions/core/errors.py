"""Domain errors: what went wrong, named by a stable code, with no notion of HTTP.

Services raise these; the HTTP layer (``functions/routes/errors.py``) decides the status
code, so the blob trigger and any future caller handle the same failures without HTTP.
"""

from __future__ import annotations


class DomainError(Exception):
    """An expected failure with a stable, machine-readable ``code`` and a human message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Unauthenticated(DomainError):
    """No credential, or one that is not valid."""


class Forbidden(DomainError):
    """A valid credential that may not do this."""


class NotFound(DomainError):
    """The thing does not exist for this caller."""


class Conflict(DomainError):
    """The thing is not in a state that allows this (yet)."""


class Invalid(DomainError):
    """The request is well-formed but its content is not acceptable."""


class TooLarge(Invalid):
    """A declared or actual size is over the limit."""


class UnsupportedType(Invalid):
    """A file type that is not accepted."""


class RateLimited(DomainError):
    """Too many requests; ``retry_after_seconds`` says when to try again."""

    def __init__(self, code: str, message: str, retry_after_seconds: int) -> None:
        super().__init__(code, message)
        self.retry_after_seconds = retry_after_seconds


class Unavailable(DomainError):
    """A dependency cannot serve right now; retrying later may succeed."""
