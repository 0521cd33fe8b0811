"""The six tables the analysts query, one row per natural key.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from strider_challenge.domain.columns import Document, Instant

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create movie, user, stream, author, book and review."""
    op.create_table(
        "movie",
        sa.Column("title", sa.String(), primary_key=True),
        sa.Column("duration_mins", sa.Integer(), nullable=False),
        sa.Column("original_language", sa.String(), nullable=False),
        sa.Column("size_mb", sa.Integer(), nullable=False),
    )
    op.create_table(
        "user",
        sa.Column("email", sa.String(), primary_key=True),
        sa.Column("first_name", sa.String(), nullable=False),
        sa.Column("last_name", sa.String(), nullable=False),
    )
    op.create_table(
        "stream",
        sa.Column("user_email", sa.String(), primary_key=True),
        sa.Column("movie_title", sa.String(), primary_key=True),
        sa.Column("start_at", Instant(), primary_key=True),
        sa.Column("end_at", Instant(), nullable=False),
        sa.Column("size_mb", sa.Float(), nullable=False),
    )
    op.create_table(
        "author",
        sa.Column("name", sa.String(), primary_key=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("died_at", sa.Date(), nullable=True),
        sa.Column("nationalities", Document, nullable=False),
    )
    op.create_table(
        "book",
        sa.Column("title", sa.String(), primary_key=True),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(), nullable=True),
        sa.Column("publisher", sa.String(), nullable=True),
    )
    op.create_table(
        "review",
        sa.Column("movie_title", sa.String(), primary_key=True),
        sa.Column("book_title", sa.String(), primary_key=True),
        sa.Column("created_at", Instant(), primary_key=True),
        sa.Column("updated_at", Instant(), nullable=True),
        sa.Column("text", sa.String(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("rating_label", sa.String(), nullable=True),
    )


def downgrade() -> None:
    """Drop the six tables."""
    for table in ("review", "book", "author", "stream", "user", "movie"):
        op.drop_table(table)
