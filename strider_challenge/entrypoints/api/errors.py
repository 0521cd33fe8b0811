"""Errors as HTTP answers: a status and `{"error": "<the sentence scli prints>"}`."""

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from strider_challenge.adapters.database import MissingDatabaseError
from strider_challenge.adapters.payloads import (
    PayloadTooLargeError,
    UnsupportedMediaTypeError,
)
from strider_challenge.domain.answers import AnswerError
from strider_challenge.domain.answers import ParameterError as ReportParameterError
from strider_challenge.domain.errors import (
    DatabaseError,
    LoadError,
    NoTablesError,
    OutOfOrderError,
    UnknownModelError,
)


class ParameterError(ValueError):
    """A parameter the route cannot use; the message says which and why."""


class NotFoundError(LookupError):
    """The thing asked for (a load) does not exist."""


#: The status of each error, the first class that matches winning; every other
#: LoadError (not a file of this model, invalid JSON, too many rejects, an empty
#: full dump) is 422.
STATUS_OF: tuple[tuple[type[Exception], int], ...] = (
    (UnknownModelError, status.HTTP_404_NOT_FOUND),
    (NotFoundError, status.HTTP_404_NOT_FOUND),
    (UnsupportedMediaTypeError, status.HTTP_415_UNSUPPORTED_MEDIA_TYPE),
    (PayloadTooLargeError, status.HTTP_413_CONTENT_TOO_LARGE),
    (OutOfOrderError, status.HTTP_409_CONFLICT),
    (DatabaseError, status.HTTP_503_SERVICE_UNAVAILABLE),
    (NoTablesError, status.HTTP_503_SERVICE_UNAVAILABLE),
    (MissingDatabaseError, status.HTTP_503_SERVICE_UNAVAILABLE),
    (AnswerError, status.HTTP_503_SERVICE_UNAVAILABLE),
    (LoadError, status.HTTP_422_UNPROCESSABLE_CONTENT),
    (ParameterError, status.HTTP_422_UNPROCESSABLE_CONTENT),
    (ReportParameterError, status.HTTP_422_UNPROCESSABLE_CONTENT),
)


def error_response(code: int, message: str, **headers: str) -> JSONResponse:
    """The body every error has."""
    return JSONResponse({"error": message}, status_code=code, headers=headers or None)


async def _known(request: Request, error: Exception) -> JSONResponse:
    code = next(code for kind, code in STATUS_OF if isinstance(error, kind))
    return error_response(code, str(error))


async def _http(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    return error_response(error.status_code, str(error.detail), **(error.headers or {}))


async def _invalid(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    first = error.errors()[0]
    where = " ".join(str(part) for part in first["loc"])
    return error_response(
        status.HTTP_422_UNPROCESSABLE_CONTENT, f"{where}: {first['msg']}"
    )


def install(app: FastAPI) -> None:
    """Answer every error the routes raise with its status and one sentence."""
    for kind, _ in STATUS_OF:
        app.add_exception_handler(kind, _known)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(RequestValidationError, _invalid)
