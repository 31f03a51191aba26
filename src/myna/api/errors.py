"""Errors become JSON here and nowhere else: every error, 404 and 405 included, is
`{"error": ..., "error_description": ...}` so that clients never meet an HTML page."""

import logging

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from myna.actions.accounts import RegistrationRejected
from myna.api.responses import error_response
from myna.lib import errors

log = logging.getLogger("myna.api")

STATUS = {
    errors.NotFound: 404,
    errors.ValidationFailed: 422,
    errors.BadRequest: 400,
    errors.Forbidden: 403,
    errors.Unauthorized: 401,
    errors.Conflict: 409,
    errors.TooManyRequests: 429,
}

_HTTP_MESSAGES = {
    404: "Record not found",
    405: "Method not allowed",
    401: "The access token is invalid",
    413: "Request entity too large",
}


def _status_for(exc: errors.MynaError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


async def myna_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.MynaError)
    status = _status_for(exc)
    if isinstance(exc, RegistrationRejected):
        details = {
            field: [{"error": code, "description": f"{field} {code}"}]
            for field, code in exc.details.items()
        }
        return error_response(status, exc.message, details=details)
    headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'} if status == 401 else None
    return error_response(status, exc.message, exc.description, headers=headers)


async def http_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = exc.detail if isinstance(exc.detail, str) and exc.detail else None
    if exc.status_code in _HTTP_MESSAGES and message in (None, "Not Found", "Method Not Allowed"):
        message = _HTTP_MESSAGES[exc.status_code]
    return error_response(exc.status_code, message or "Error", headers=exc.headers)


async def validation_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for problem in exc.errors():
        where = ".".join(
            str(part) for part in problem.get("loc", ()) if part not in ("query", "path", "body")
        )
        problems.append(
            f"{where}: {problem.get('msg', 'invalid')}" if where else problem.get("msg", "invalid")
        )
    return error_response(422, "Validation failed: " + "; ".join(problems))


async def unexpected_error(_request: Request, exc: Exception) -> Response:
    log.exception("unhandled error", exc_info=exc)
    return error_response(500, "Internal server error")


def install(app: FastAPI) -> None:
    app.add_exception_handler(errors.MynaError, myna_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, unexpected_error)
