"""Leave half of each page of the current tables free, for in-place updates.

Every load moves `last_seen_at` forward on every record its dump holds, so a nightly
full dump updates every row of its table. PostgreSQL can then write each new row
version on the same page and skip the indexes (a "HOT" update) when the page has room
for it; a page packed full moves every row and adds an entry to every index instead,
about ten times the cost. `fillfactor = 50` keeps that room on the pages written from
now on (existing pages are rewritten by `VACUUM FULL`). SQLite updates rows in place
and has no such setting: on SQLite this migration does nothing.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = ("movie", "user", "stream", "author", "book", "review")


def upgrade() -> None:
    """Set the fill factor of the current tables on PostgreSQL."""
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f'ALTER TABLE "{table}" SET (fillfactor = 50)')


def downgrade() -> None:
    """Back to PostgreSQL's default (pages filled whole)."""
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f'ALTER TABLE "{table}" RESET (fillfactor)')
