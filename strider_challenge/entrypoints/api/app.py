"""The API's app: made by `create_app` from its settings, never at import time."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from strider_challenge import __version__
from strider_challenge.adapters.database import create_database_engine
from strider_challenge.entrypoints.api import errors, loads, records, report
from strider_challenge.entrypoints.api.dependencies import UnitOfWork
from strider_challenge.entrypoints.api.schemas import Health, responses
from strider_challenge.entrypoints.api.settings import ApiSettings
from strider_challenge.service_layer import readiness


def create_app(settings: ApiSettings) -> FastAPI:
    """The API on the settings' database; its engine is disposed when it stops.

    Raises:
        LoadError: the database URL is invalid, or names a SQLite file that does
            not exist.
    """
    engine = create_database_engine(settings.database_url, create=False)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        title="scli",
        version=__version__,
        description="Load the company's dumps over HTTP, and read the ledger and "
        "the report: the same service layer as the scli command line.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    errors.install(app)
    app.include_router(records.router)
    app.include_router(loads.router)
    app.include_router(report.router)
    app.add_api_route(
        "/healthz",
        healthz,
        methods=["GET"],
        response_model=Health,
        responses=responses(503),
        tags=["health"],
    )
    return app


def healthz(uow: UnitOfWork) -> Health:
    """200 when the database answers and has the tables, 503 if not; no token."""
    readiness.require_tables(uow=uow)
    return Health()
