"""Indexes of a table filled while empty: dropped for the fill, built once it is done.

Building an index sorts the rows once, where inserting them into a live index walks
it once per row: a first load of a million streams writes them in well under half
the time. The indexes come back with their own names and definitions in the same
transaction, so no other session ever sees them missing (the table stays locked
until the load commits; it held nothing).
"""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection

#: Room for PostgreSQL's index builds, this transaction only.
MAINTENANCE_WORK_MEM = "256MB"


def _rebuildable(connection: Connection, table: str) -> list[tuple[str, str]]:
    """The statements that drop and re-create each index the table can lose."""
    quote = connection.dialect.identifier_preparer.quote
    run = connection.exec_driver_sql
    if connection.dialect.name == "sqlite":
        # A key's own index (an autoindex, without SQL) cannot be dropped.
        found = run(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
            " AND tbl_name = ? AND sql IS NOT NULL",
            (table,),
        ).all()
        return [(f"DROP INDEX {quote(name)}", sql) for name, sql in found]
    run(f"SET LOCAL maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'")
    quoted = quote(table)
    constraints = run(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = %(table)s::regclass AND contype IN ('p', 'u')",
        {"table": quoted},
    ).all()
    indexes = run(
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid)"
        " FROM pg_index WHERE indrelid = %(table)s::regclass AND NOT EXISTS"
        " (SELECT FROM pg_constraint WHERE conindid = indexrelid)",
        {"table": quoted},
    ).all()
    alter = f"ALTER TABLE {quoted}"
    return [
        (
            f"{alter} DROP CONSTRAINT {quote(name)}",
            f"{alter} ADD CONSTRAINT {quote(name)} {definition}",
        )
        for name, definition in constraints
    ] + [
        # A partitioned table's index is defined ON ONLY the parent; re-created on
        # the table itself, it is built on every partition.
        (f"DROP INDEX {index}", definition.replace(" ON ONLY ", " ON ", 1))
        for index, definition in indexes
    ]


@contextmanager
def built_after(connection: Connection, table: str) -> Iterator[None]:
    """Drop the (empty) table's indexes for the block, and build them again after."""
    indexes = _rebuildable(connection, table)
    for drop, _ in indexes:
        connection.exec_driver_sql(drop)
    yield
    for _, create in indexes:
        connection.exec_driver_sql(create)
