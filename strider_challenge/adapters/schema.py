"""The schema's version: create or upgrade a database with the migrations."""

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text

if TYPE_CHECKING:  # alembic is imported where used: every command would pay for it
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"

#: The revision a database made before migrations existed is at, by what it holds.
UNVERSIONED = (("load_run", "0002"), ("movie", "0001"))


def _config(connection: Connection) -> "Config":
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision the code knows.

    Revisions are numbered, each after the one before (`0007_...` follows `0006`),
    so the head is the highest number: read from the file names, not from alembic,
    whose import every load and read-only command would otherwise pay for (about
    35 MB of memory).
    """
    versions = (MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py")
    return max(path.name[:4] for path in versions)


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at: None when it has no tables of ours."""
    tables = set(inspect(connection).get_table_names())
    if "alembic_version" in tables:
        stamped = connection.execute(text("SELECT version_num FROM alembic_version"))
        revision = stamped.scalar()
        if revision is not None:
            return str(revision)
    return next((rev for table, rev in UNVERSIONED if table in tables), None)


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Bring the database to `revision`, inside the connection's transaction.

    A database made before migrations existed is first stamped with the revision
    its tables match, so that its data is kept and upgraded in place.
    """
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    config = _config(connection)
    version = MigrationContext.configure(connection).get_current_revision()
    unversioned = current_revision(connection)
    if version is None and unversioned is not None:
        command.stamp(config, unversioned)
    command.upgrade(config, revision)
