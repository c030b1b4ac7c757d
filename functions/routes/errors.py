"""One error shape for every failure: JSON ``{"error": <stable code>, "message": <text>}``.

The HTTP side of error handling: services raise domain errors (``functions.core.errors``)
and this module gives each kind its status code; routes may raise :class:`ApiError` when
the status is an HTTP matter of their own (a bad signature, an oversized body).
"""

from __future__ import annotations

import logging
from typing import Any

from azure.core.exceptions import AzureError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from functions.core.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    RateLimited,
    TooLarge,
    Unauthenticated,
    Unavailable,
    UnsupportedType,
)
from functions.core.store_errors import RETRY_AFTER_SECONDS, resource_missing, store_away

log = logging.getLogger(__name__)


class ErrorBody(BaseModel):
    """Every non-2xx answer carries this body."""

    error: str = Field(description="Stable, machine-readable error code.", examples=["not_found"])
    message: str = Field(description="What went wrong, for humans.", examples=["No such session."])


class ApiError(Exception):
    """A failure whose HTTP status the route itself decides."""

    def __init__(
        self,
        status_code: int,
        error: str,
        message: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.error = error
        self.message = message
        self.headers = headers


def error_response(
    status_code: int, error: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        status_code=status_code,
        content=ErrorBody(error=error, message=message).model_dump(),
        headers=headers,
    )


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


# Most specific first: the first class the error is an instance of decides.
_DOMAIN_STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (Unauthenticated, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (Conflict, 409),
    (TooLarge, 413),
    (UnsupportedType, 415),
    (Invalid, 422),
    (RateLimited, 429),
    (Unavailable, 503),
)


def status_for(exc: DomainError) -> int:
    """The HTTP status of a domain error (500 for a kind no one mapped: a bug)."""
    return next((status for kind, status in _DOMAIN_STATUS if isinstance(exc, kind)), 500)


def _describe_validation(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        parts.append(f"{where}: {err.get('msg', 'invalid')}" if where else str(err.get("msg")))
    return "; ".join(parts) or "The request is invalid."


def install_error_handlers(app: FastAPI) -> None:
    """Route every exception through the one error shape; never leak internals."""

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status_code, exc.error, exc.message, exc.headers)

    @app.exception_handler(DomainError)
    async def _domain_error(_: Request, exc: DomainError) -> JSONResponse:
        headers = None
        if isinstance(exc, RateLimited):
            headers = {"Retry-After": str(exc.retry_after_seconds)}
        return error_response(status_for(exc), exc.code, exc.message, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, "invalid_request", _describe_validation(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail))

    @app.exception_handler(AzureError)
    @app.exception_handler(TimeoutError)
    async def _store(request: Request, exc: Exception) -> JSONResponse:
        if not store_away(exc):
            return await _unexpected(request, exc)
        log.warning(
            "storage unavailable on %s %s: %s %s",
            request.method,
            request.url.path,
            type(exc).__name__,
            getattr(exc, "status_code", "") or "",
        )
        if resource_missing(exc):
            await request.app.state.services.recover_store()
        return error_response(
            503,
            "store_unavailable",
            "Storage is unavailable right now; retry shortly.",
            {"Retry-After": str(RETRY_AFTER_SECONDS)},
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "internal_error", "Something went wrong on our side.")


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "The request body cannot be parsed."},
    401: {"model": ErrorBody, "description": "Missing or wrong credentials."},
    403: {"model": ErrorBody, "description": "The credential may not do this."},
    422: {"model": ErrorBody, "description": "The request body or parameters are invalid."},
    503: {"model": ErrorBody, "description": "A dependency is unavailable; retry shortly."},
}


def responses_with(errors: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """:data:`ERROR_RESPONSES` plus a route's own error statuses, each with its description."""
    own: dict[int | str, dict[str, Any]] = {
        status: {"model": ErrorBody, "description": text} for status, text in errors.items()
    }
    return {**ERROR_RESPONSES, **own}
