"""History tables: every distinct version of every record, with its validity interval.

`<table>_history` has the record's columns, `valid_from` (the effective time of the
dump that brought this version) and `valid_to` (when a later dump changed or dropped
it; NULL for the current version). The intervals of one key never overlap.
"""

from sqlalchemy import Column, PrimaryKeyConstraint, Table

from strider_challenge.domain.columns import Instant
from strider_challenge.domain.model import TRACKING_COLUMNS


def history_of(table: Table) -> Table:
    """The history table of a current table, registered in the same metadata."""
    name = f"{table.name}_history"
    if name in table.metadata.tables:
        return table.metadata.tables[name]
    columns = [
        Column(column.name, column.type, nullable=column.nullable)
        for column in table.columns
        if column.name not in TRACKING_COLUMNS
    ]
    keys = [column.name for column in table.primary_key.columns]
    return Table(
        name,
        table.metadata,
        *columns,
        Column("valid_from", Instant(), nullable=False),
        Column("valid_to", Instant(), nullable=True),
        PrimaryKeyConstraint(*keys, "valid_from", name=f"{name}_pkey"),
    )
