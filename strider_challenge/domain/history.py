"""History tables: the superseded versions of every record, with their intervals.

The current table holds each record's current version and the time it began
(`valid_from`); when a dump changes the record, or a full dump lacks it, that
version moves to `<table>_history` with the time it ended (`valid_to`). A new or
unchanged record writes one row, in the current table only. The view
`<table>_versions` joins the two: every version of every record, the current one
with `valid_to` NULL (a deleted record has no current version). The intervals of one
key never overlap, and a version never ends as it begins.
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
        Column("valid_to", Instant(), nullable=False),
        PrimaryKeyConstraint(*keys, "valid_from", name=f"{name}_pkey"),
    )
