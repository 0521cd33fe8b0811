"""`scli serve`: the HTTP API, served by uvicorn. Registered on the app in `cli.py`."""

import os
import socket
from typing import Annotated

import typer

from strider_challenge.adapters.database import DEFAULT_DATABASE_URL
from strider_challenge.entrypoints.api.settings import (
    DEFAULT_MAX_BODY_MB,
    MAX_BODY_ENV,
    TOKEN_ENV,
    ApiSettings,
    SettingsError,
)
from strider_challenge.entrypoints.common import (
    EXIT_USAGE,
    DatabaseUrl,
    clean_errors,
    fail,
    shown,
)

SERVE_EPILOG = (
    f"Environment: {TOKEN_ENV} (required) is the token every request but GET "
    f"/healthz must send as Authorization: Bearer; {MAX_BODY_ENV} caps a PUT's "
    f"body (default {DEFAULT_MAX_BODY_MB}). Ctrl-C or SIGTERM stops it once "
    "the requests in flight are answered. Exit codes: 1 the database URL is "
    "invalid or names no SQLite file, or the address cannot be listened on (the "
    "port is taken); 2 usage error, or "
    f"{TOKEN_ENV} is not set."
)


def serve(
    host: Annotated[
        str, typer.Option(help="The address to listen on (0.0.0.0: every one).")
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(min=1, max=65535, help="The port to listen on.")
    ] = 8000,
    database_url: DatabaseUrl = DEFAULT_DATABASE_URL,
) -> None:
    """Serve the HTTP API: PUT records into a model, read the ledger and the report.

    PUT /v1/{model}/records loads the body (JSON array, JSON Lines or CSV,
    streamed) as `scli load` loads a file; GET /v1/loads, /v1/loads/{id},
    /v1/loads/{id}/rejections and /v1/report read what `scli runs` and `scli
    report` show; GET /healthz says whether the database answers. The OpenAPI
    document is at /openapi.json, its pages at /docs.
    """
    try:
        settings = ApiSettings.from_environ(os.environ, database_url=database_url)
    except SettingsError as error:
        raise fail(str(error), EXIT_USAGE) from None
    # Here, not at the top: FastAPI and uvicorn would slow every other command.
    import uvicorn

    from strider_challenge.entrypoints.api.app import create_app

    with clean_errors():
        app = create_app(settings)
    listening = _listen(host, port)
    shown_host = f"[{host}]" if ":" in host else host
    typer.echo(
        f"scli serve: http://{shown_host}:{port} on {shown(database_url)}; the "
        "OpenAPI document at /openapi.json",
        err=True,
    )
    uvicorn.Server(uvicorn.Config(app)).run(sockets=[listening])


def _listen(host: str, port: int) -> socket.socket:
    """A socket bound to the address, or one line and exit 1 (taken, unknown host)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family)
    except OSError as error:
        # The socket module adds the address to the reason: the line has it already.
        reason = str(error.strerror or error).partition(" (while attempting")[0]
        raise fail(f"cannot listen on {host}:{port}: {reason}") from None
