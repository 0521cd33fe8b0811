"""The indexes of the report's case-insensitive title joins and time windows.

Each is on a title key, `lower(trim(x))` (on PostgreSQL `lower(trim(x COLLATE "C"))`,
which folds the same letters), exactly the expression the report's queries compare;
the stream's is on the movie's key then `start_at`, for the per-movie time windows.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

KEY = {"postgresql": 'lower(trim({} COLLATE "C"))', "sqlite": "lower(trim({}))"}

#: Name, table, keyed column, the columns after the key.
INDEXES = (
    ("ix_movie_title_key", "movie", "title", ()),
    ("ix_stream_title_key", "stream", "movie_title", ("start_at",)),
    ("ix_author_name_key", "author", "name", ()),
    ("ix_book_title_key", "book", "title", ()),
    ("ix_book_author_key", "book", "author", ()),
    ("ix_review_movie_key", "review", "movie_title", ()),
    ("ix_review_book_key", "review", "book_title", ()),
)


def upgrade() -> None:
    """Create the indexes (kept if a database already has them)."""
    key = KEY[op.get_bind().dialect.name]
    for name, table, column, after in INDEXES:
        expression = sa.text(key.format(column))
        op.create_index(name, table, [expression, *after], if_not_exists=True)


def downgrade() -> None:
    """Drop them."""
    for name, table, _, _ in INDEXES:
        op.drop_index(name, table_name=table)
