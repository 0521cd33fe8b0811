"""Engines for the supported databases, configured the same way everywhere."""

from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from strider_challenge.domain.errors import LoadError

#: Where the data goes when nothing else is said: a file beside the working directory.
DEFAULT_DATABASE_URL = "sqlite:///database.db"


#: Execution option of a connection whose transactions write (see `_begin_sqlite`).
SQLITE_WRITES = "scli_writes"


class DatabaseUrlError(LoadError):
    """The database URL cannot be understood."""


class MissingDatabaseError(LoadError):
    """The database does not exist, and this command does not create it."""


def describe_database_error(error: SQLAlchemyError) -> str:
    """One line for the user: the driver's message, without SQLAlchemy's wrapping."""
    detail = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
    return f"database: {detail}"


def normalise_url(url: str) -> URL:
    """Parse a URL; plain `postgresql://` (or `postgres://`) means the psycopg2 driver.

    SQLAlchemy 2.1 maps a bare `postgresql://` to psycopg 3, which is not installed.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise DatabaseUrlError(f"invalid database URL {url!r}: {error}") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg2")
    return parsed


def create_database_engine(url: str, *, create: bool = True) -> Engine:
    """Build an engine for a SQLite or PostgreSQL URL.

    SQLite is put in WAL mode with real transactions (SQLAlchemy's default lets the
    driver open them lazily), so a failed load rolls back everything it did.

    Args:
        url: the database's URL.
        create: whether a SQLite file that does not exist may be made (SQLite
            creates it on the first connection); if not, MissingDatabaseError.
    """
    try:
        engine = create_engine(normalise_url(url))
    except (ArgumentError, NoSuchModuleError) as error:
        raise DatabaseUrlError(f"invalid database URL {url!r}: {error}") from None
    if not create and _missing_sqlite_file(engine):
        engine.dispose()
        raise MissingDatabaseError(
            f"no SQLite database at {engine.url.database}: create it with "
            "`scli init-db`"
        )
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "begin", _begin_sqlite)
    return engine


def _missing_sqlite_file(engine: Engine) -> bool:
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return False
    return not Path(database).exists()


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA cache_size=-16384")
    cursor.close()


def _begin_sqlite(connection: Any) -> None:
    """BEGIN, or BEGIN IMMEDIATE for a connection that will write.

    A deferred transaction that reads then writes fails at once when another
    writer is active; one that takes the write lock up front waits for it
    (busy_timeout), so concurrent loads queue instead of failing.
    """
    writes = connection.get_execution_options().get(SQLITE_WRITES, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")
