"""Engines for the supported databases, configured the same way everywhere."""

import math
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg2
from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from strider_challenge.adapters.redaction import encode_userinfo, redact
from strider_challenge.adapters.timeouts import Timeouts
from strider_challenge.domain.errors import DatabaseError, LoadError

#: Where the data goes when nothing else is said: a file beside the working directory.
DEFAULT_DATABASE_URL = "sqlite:///database.db"


#: Execution option of a connection whose transactions write (see `_begin_sqlite`).
SQLITE_WRITES = "scli_writes"

#: The backends and drivers the tool supports, as SQLAlchemy names them.
SUPPORTED = ("sqlite", "sqlite+pysqlite", "postgresql+psycopg2")
#: Seconds of silence before TCP probes a PostgreSQL server, between probes, and how
#: many go unanswered before the connection is dropped: a server that vanishes
#: mid-load (power cut, network gone) fails the load in about a minute.
KEEPALIVE = {
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}

#: The database every PostgreSQL server has, to connect to when the target is missing.
MAINTENANCE_DATABASE = "postgres"


class DatabaseUrlError(LoadError):
    """The database URL cannot be understood."""


class MissingDatabaseError(LoadError):
    """The database does not exist, and this command does not create it."""


#: The errors of the drivers themselves (raised by COPY and executemany).
DRIVER_ERRORS = (psycopg2.Error, sqlite3.Error)


def describe_database_error(error: BaseException) -> str:
    """One line for the user: the driver's message, without SQLAlchemy's wrapping."""
    text = str(getattr(error, "orig", None) or error).strip()
    line = redact(text.splitlines()[0]) if text else type(error).__name__
    return f"database: {line}"


def as_database_error(error: BaseException) -> DatabaseError | None:
    """The domain's DatabaseError for an error of the database or its driver."""
    if isinstance(error, (SQLAlchemyError, *DRIVER_ERRORS)):
        return DatabaseError(describe_database_error(error))
    return None


@contextmanager
def database_errors() -> Iterator[None]:
    """Turn the database's and the drivers' errors into DatabaseError, one line.

    This is the one place where they are: the units of work run inside it.
    """
    try:
        yield
    except Exception as error:
        translated = as_database_error(error)
        if translated is None:
            raise
        raise translated from None


def normalise_url(url: str) -> URL:
    """Parse a URL; plain `postgresql://` (or `postgres://`) means the psycopg2 driver.

    SQLAlchemy 2.1 maps a bare `postgresql://` to psycopg 3, which is not installed.
    A password typed with a raw `/`, `#`, `?` or `@` is encoded first.

    Raises:
        DatabaseUrlError: the URL does not parse (a port that is not a number, a
            malformed IPv6 host), or names a database the tool does not support.
    """
    try:
        parsed = make_url(encode_userinfo(url))
        parsed.port  # noqa: B018 (a port that is not a number raises here)
    except (ArgumentError, ValueError) as error:
        raise DatabaseUrlError(
            f"invalid database URL {redact(url)!r}: {redact(str(error))}"
        ) from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg2")
    if parsed.drivername not in SUPPORTED:
        raise DatabaseUrlError(
            f"unsupported database {parsed.drivername} in {redact(url)!r}: the "
            "supported ones are sqlite (sqlite:///FILE) and postgresql via psycopg2 "
            "(postgresql://user@host:port/name)"
        )
    return parsed


def create_database_engine(
    url: str, *, create: bool = True, timeouts: Timeouts | None = None
) -> Engine:
    """Build an engine for a SQLite or PostgreSQL URL.

    SQLite is put in WAL mode with real transactions (SQLAlchemy's default lets the
    driver open them lazily), so a failed load rolls back everything it did.
    PostgreSQL connections give up after the connect timeout (libpq's
    `connect_timeout`, whole seconds, at least 2) and probe an idle server with TCP
    keepalives, so a server that stops answering ends the load instead of hanging it.

    Args:
        url: the database's URL.
        create: whether a SQLite file that does not exist may be made (SQLite
            creates it on the first connection); if not, MissingDatabaseError.
        timeouts: the connect timeout; default: SCLI_CONNECT_TIMEOUT, else 30 s.
    """
    parsed = normalise_url(url)
    options: dict[str, Any] = {}
    if parsed.get_backend_name() == "postgresql":
        options["connect_args"] = postgres_connect_args(
            timeouts or Timeouts.from_environ()
        )
    try:
        engine = create_engine(parsed, **options)
    except (ArgumentError, ValueError) as error:  # a query argument it refuses
        raise DatabaseUrlError(
            f"invalid database URL {redact(url)!r}: {redact(str(error))}"
        ) from None
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


def postgres_connect_args(timeouts: Timeouts) -> dict[str, int]:
    """The connection parameters libpq gets: the connect timeout, then keepalives."""
    return {"connect_timeout": max(2, math.ceil(timeouts.connect)), **KEEPALIVE}


def _missing_sqlite_file(engine: Engine) -> bool:
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return False
    return not Path(database).exists()


def create_missing_database(url: str) -> bool:
    """Create the URL's PostgreSQL database if the server lacks it and the role may.

    The role may when it has CREATEDB or is a superuser; the new database is owned by
    it. SQLite needs nothing: it creates its file on the first connection.

    Returns:
        Whether a database was created.

    Raises:
        MissingDatabaseError: the database is missing and the role may not create it.
    """
    target = normalise_url(url)
    name = target.database
    if target.get_backend_name() != "postgresql" or not name:
        return False
    server = create_engine(
        target.set(database=MAINTENANCE_DATABASE),
        isolation_level="AUTOCOMMIT",
        connect_args=postgres_connect_args(Timeouts.from_environ()),
    )
    try:
        try:
            connection = server.connect()
        except OperationalError:
            # The server (or its maintenance database) is out of reach: connecting
            # to the target reports why, in the driver's words.
            return False
        with connection:
            return _create_database(connection, name, target.host)
    finally:
        server.dispose()


def _create_database(connection: Connection, name: str, host: str | None) -> bool:
    found = connection.execute(
        text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
    ).first()
    if found:
        return False
    role, allowed = connection.execute(
        text(
            "SELECT current_user, rolcreatedb OR rolsuper FROM pg_roles "
            "WHERE rolname = current_user"
        )
    ).one()
    if not allowed:
        raise MissingDatabaseError(
            f'database "{name}" does not exist on {host or "the server"} and role '
            f"{role} may not create it: ask an administrator to run `createdb "
            f"--owner={role} {name}`, then run `scli init-db` again"
        )
    quoted = connection.dialect.identifier_preparer.quote(name)
    connection.execute(text(f"CREATE DATABASE {quoted}"))
    return True


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    # 4 MiB of page cache: a load's merge and index builds sort through it, and its
    # peak RSS (147 MB for 1M and for 5M streams) must stay under 150 MB; 16 MiB
    # took it to 165 MB and did not make the load faster.
    cursor.execute("PRAGMA cache_size=-4096")
    cursor.close()


def _begin_sqlite(connection: Any) -> None:
    """BEGIN, or BEGIN IMMEDIATE for a connection that will write.

    A deferred transaction that reads then writes fails at once when another
    writer is active; one that takes the write lock up front waits for it
    (busy_timeout), so concurrent loads queue instead of failing.
    """
    writes = connection.get_execution_options().get(SQLITE_WRITES, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")
