"""The schema's version: create or upgrade a database with the migrations."""

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect

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
    """The newest revision the code knows."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config(None)).get_current_head()  # type: ignore
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at: None when it has no tables of ours."""
    from alembic.runtime.migration import MigrationContext

    revision = MigrationContext.configure(connection).get_current_revision()
    if revision is not None:
        return revision
    tables = set(inspect(connection).get_table_names())
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
