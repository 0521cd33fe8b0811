"""Every load attempt on record: `load_run.error`, the message of a failed load.

A load that fails, or is skipped as already loaded, now leaves a `load_run` row
(status `failed` or `skipped`) written after the load's rollback; `error` holds its
one-line message, NULL for the loads that succeeded. Rows already there succeeded,
or were written by code that never recorded failures: their `error` stays NULL.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the nullable column `error` to `load_run`."""
    op.add_column("load_run", sa.Column("error", sa.String(), nullable=True))


def downgrade() -> None:
    """Drop `error` (SQLite rebuilds the table to drop a column)."""
    with op.batch_alter_table("load_run") as batch:
        batch.drop_column("error")
