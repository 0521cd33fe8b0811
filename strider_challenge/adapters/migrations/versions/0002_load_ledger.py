"""The load ledger and the records loads refused.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from strider_challenge.domain.columns import Instant

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COUNTS = ("rows_read", "inserted", "updated", "unchanged", "rejected", "duplicates")


def upgrade() -> None:
    """Create load_run and rejected_record."""
    op.create_table(
        "load_run",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("model", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("sha256", sa.String(), nullable=True),
        sa.Column("started_at", Instant(), nullable=False),
        sa.Column("finished_at", Instant(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
    )
    op.create_index("ix_load_run_model", "load_run", ["model"])
    op.create_index("ix_load_run_sha256", "load_run", ["sha256"])
    op.create_table(
        "rejected_record",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "load_id", sa.Integer(), sa.ForeignKey("load_run.id"), nullable=False
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("raw", sa.String(), nullable=False),
        sa.Column("error", sa.String(), nullable=False),
    )
    op.create_index("ix_rejected_record_load_id", "rejected_record", ["load_id"])


def downgrade() -> None:
    """Drop the ledger."""
    op.drop_table("rejected_record")
    op.drop_table("load_run")
