"""What the routes are given (FastAPI dependencies): settings, token, units of work.

Tests override them rather than patch.
"""

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from strider_challenge.entrypoints.api.settings import TOKEN_ENV, ApiSettings
from strider_challenge.service_layer.read_only import (
    AbstractReadOnlyUnitOfWork,
    SqlAlchemyReadOnlyUnitOfWork,
)
from strider_challenge.service_layer.unit_of_work import (
    AbstractUnitOfWork,
    SqlAlchemyUnitOfWork,
)

_bearer = HTTPBearer(
    auto_error=False,
    description=f"The server's token, from {TOKEN_ENV}.",
)


def settings(request: Request) -> ApiSettings:
    """The settings the app was made with."""
    found: ApiSettings = request.app.state.settings
    return found


def require_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Refuse a request without the server's token (compared in constant time).

    Raises:
        HTTPException: 401, before anything is read or written.
    """
    expected = settings(request).token.get_secret_value().encode()
    given = credentials.credentials.encode() if credentials else b""
    if not hmac.compare_digest(given, expected):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="missing or wrong token: send Authorization: Bearer "
            f"<the server's {TOKEN_ENV}>",
            headers={"WWW-Authenticate": "Bearer"},
        )


def unit_of_work(request: Request) -> AbstractUnitOfWork:
    """A unit of work on the app's database, for one request."""
    return SqlAlchemyUnitOfWork(request.app.state.engine)


def read_only_unit_of_work(request: Request) -> AbstractReadOnlyUnitOfWork:
    """A read-only unit of work on the app's database, for one request."""
    return SqlAlchemyReadOnlyUnitOfWork(request.app.state.engine)


Settings = Annotated[ApiSettings, Depends(settings)]
UnitOfWork = Annotated[AbstractUnitOfWork, Depends(unit_of_work)]
ReadOnlyUnitOfWork = Annotated[
    AbstractReadOnlyUnitOfWork, Depends(read_only_unit_of_work)
]
