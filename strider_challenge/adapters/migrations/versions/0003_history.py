"""Vendor history: tracking columns, <table>_history, and the ledger's effective time.

Existing rows become the first version of their history: seen first at the first
successful load of their model, last at the latest one (the migration's own time when
the ledger has none), not deleted, valid from when they were first seen.

Revision ID: 0003
Revises: 0002
"""

from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

from strider_challenge.domain.columns import Instant

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TABLES = {
    "movie": "movie",
    "user": "user",
    "stream": "stream",
    "author": "author",
    "book": "book",
    "review": "review",
}


def upgrade() -> None:
    """Add the tracking columns, fill them from the ledger, create the histories."""
    bind = op.get_bind()
    now = sa.bindparam("now", datetime.now(timezone.utc), type_=Instant())
    with op.batch_alter_table("load_run") as batch:
        batch.add_column(
            sa.Column("mode", sa.String(), nullable=False, server_default="incremental")
        )
        batch.add_column(sa.Column("as_of", Instant(), nullable=True))
        for count in ("deleted", "undeleted"):
            batch.add_column(
                sa.Column(count, sa.Integer(), nullable=False, server_default="0")
            )
    op.execute("UPDATE load_run SET as_of = started_at")
    for model, table in TABLES.items():
        columns = sa.inspect(bind).get_columns(table)
        keys = sa.inspect(bind).get_pk_constraint(table)["constrained_columns"]
        with op.batch_alter_table(table) as batch:
            for name in ("first_seen_at", "last_seen_at", "deleted_at"):
                batch.add_column(sa.Column(name, Instant(), nullable=True))
        runs = sa.table(
            "load_run",
            sa.column("model"),
            sa.column("status"),
            sa.column("started_at", Instant()),
        )
        loaded = sa.and_(runs.c.model == model, runs.c.status == "succeeded")
        first = sa.select(sa.func.min(runs.c.started_at)).where(loaded)
        last = sa.select(sa.func.max(runs.c.started_at)).where(loaded)
        target = sa.table(table, sa.column("first_seen_at"), sa.column("last_seen_at"))
        op.execute(
            target.update().values(
                first_seen_at=sa.func.coalesce(first.scalar_subquery(), now),
                last_seen_at=sa.func.coalesce(last.scalar_subquery(), now),
            )
        )
        with op.batch_alter_table(table) as batch:
            for name in ("first_seen_at", "last_seen_at"):
                batch.alter_column(name, existing_type=Instant(), nullable=False)
        op.create_table(
            f"{table}_history",
            *(sa.Column(c["name"], c["type"], nullable=c["nullable"]) for c in columns),
            sa.Column("valid_from", Instant(), nullable=False),
            sa.Column("valid_to", Instant(), nullable=True),
            sa.PrimaryKeyConstraint(*keys, "valid_from", name=f"{table}_history_pkey"),
        )
        names = ", ".join(f'"{c["name"]}"' for c in columns)
        op.execute(
            f'INSERT INTO "{table}_history" ({names}, valid_from) '
            f'SELECT {names}, first_seen_at FROM "{table}"'
        )


def downgrade() -> None:
    """Drop the histories and the tracking columns."""
    for table in TABLES.values():
        op.drop_table(f"{table}_history")
        with op.batch_alter_table(table) as batch:
            for name in ("first_seen_at", "last_seen_at", "deleted_at"):
                batch.drop_column(name)
    with op.batch_alter_table("load_run") as batch:
        for name in ("mode", "as_of", "deleted", "undeleted"):
            batch.drop_column(name)
