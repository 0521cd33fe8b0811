"""System-versioned history: the current version lives in the table, with its start.

Before, `<table>_history` held every version, the current one with `valid_to` NULL,
so every new record was written twice. Now the current table carries its current
version's start in `valid_from`, `<table>_history` holds only versions that ended
(`valid_to` NOT NULL), and the view `<table>_versions` is every version: the current
ones (of records not deleted) with `valid_to` NULL, then the history.

In place, no version lost: each record's `valid_from` is the start of its latest
version, and the open versions leave the history (their values are the table's).

Revision ID: 0006
Revises: 0005
"""

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op
from alembic.operations import BatchOperations

from strider_challenge.domain.columns import Instant

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLES = ("movie", "user", "stream", "author", "book", "review")


def _names(table: str) -> tuple[list[str], list[str]]:
    """The record's columns of `table` (quoted), and its key's."""
    bind = op.get_bind()
    quote = bind.dialect.identifier_preparer.quote
    history = sa.inspect(bind).get_columns(f"{table}_history")
    columns = [quote(c["name"]) for c in history]
    keys = sa.inspect(bind).get_pk_constraint(table)["constrained_columns"]
    record = [c for c in columns if c not in ("valid_from", "valid_to")]
    return record, [quote(k) for k in keys]


@contextmanager
def _altered(table: str) -> Iterator[BatchOperations]:
    """`batch_alter_table`, keeping the table's indexes.

    On SQLite a batch copies the table, and the copy loses the indexes SQLAlchemy
    cannot reflect (those on expressions, like the title keys): they are taken from
    the schema before and created again after.
    """
    bind = op.get_bind()
    indexes: list[str] = []
    if bind.dialect.name == "sqlite":
        indexes = [
            str(sql)
            for (sql,) in bind.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
                " AND sql IS NOT NULL",
                (table,),
            )
        ]
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", "Skipped unsupported reflection", category=sa.exc.SAWarning
        )
        with op.batch_alter_table(table) as batch:
            yield batch
    for sql in indexes:
        op.execute(sql.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1))


def create_versions_view(table: str) -> None:
    """`<table>_versions`: the current versions, then the ended ones."""
    bind = op.get_bind()
    quote = bind.dialect.identifier_preparer.quote
    columns = ", ".join(_names(table)[0])
    end = (
        "CAST(NULL AS timestamp with time zone)"
        if bind.dialect.name == "postgresql"
        else "NULL"
    )
    op.execute(
        f"CREATE VIEW {quote(table + '_versions')} AS"
        f" SELECT {columns}, valid_from, {end} AS valid_to FROM {quote(table)}"
        " WHERE deleted_at IS NULL"
        f" UNION ALL SELECT {columns}, valid_from, valid_to"
        f" FROM {quote(table + '_history')}"
    )


def upgrade() -> None:
    """Give each table `valid_from`, keep only ended versions, create the views."""
    quote = op.get_bind().dialect.identifier_preparer.quote
    for table in TABLES:
        target, history = quote(table), quote(f"{table}_history")
        _, keys = _names(table)
        match = " AND ".join(f"h.{k} = {target}.{k}" for k in keys)
        with _altered(table) as batch:
            batch.add_column(sa.Column("valid_from", Instant(), nullable=True))
        op.execute(
            f"UPDATE {target} SET valid_from = COALESCE((SELECT max(h.valid_from)"
            f" FROM {history} AS h WHERE {match}), first_seen_at)"
        )
        op.execute(f"DELETE FROM {history} WHERE valid_to IS NULL")
        with _altered(table) as batch:
            batch.alter_column("valid_from", existing_type=Instant(), nullable=False)
        with _altered(f"{table}_history") as batch:
            batch.alter_column("valid_to", existing_type=Instant(), nullable=False)
        create_versions_view(table)


def downgrade() -> None:
    """Every current version back into the history, open; no `valid_from`."""
    quote = op.get_bind().dialect.identifier_preparer.quote
    for table in TABLES:
        columns = ", ".join(_names(table)[0])
        op.execute(f"DROP VIEW {quote(table + '_versions')}")
        with _altered(f"{table}_history") as batch:
            batch.alter_column("valid_to", existing_type=Instant(), nullable=True)
        op.execute(
            f"INSERT INTO {quote(table + '_history')} ({columns}, valid_from)"
            f" SELECT {columns}, valid_from FROM {quote(table)}"
            " WHERE deleted_at IS NULL"
        )
        with _altered(table) as batch:
            batch.drop_column("valid_from")
