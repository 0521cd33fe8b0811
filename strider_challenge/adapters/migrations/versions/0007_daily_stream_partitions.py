"""On PostgreSQL, `stream` becomes a table partitioned by range of `start_at`, daily.

A partition holds one UTC day of stream starts, named `stream_YYYY_MM_DD`; loads
create the partitions they need (`adapters/partitions.py`), so a night's new streams
land in partitions that were empty and get their indexes built once, after. The
existing rows move into one partition per day they fall on; the key, the title-key
index and the view `stream_versions` stay as they were. SQLite has no partitions:
there, this revision does nothing.

Revision ID: 0007
Revises: 0006
"""

from datetime import timedelta, timezone

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

KEY = "user_email, movie_title, start_at"
TITLE_KEY = 'lower(trim(movie_title COLLATE "C")), start_at'
VIEW = (
    "CREATE VIEW stream_versions AS SELECT user_email, movie_title, start_at, end_at,"
    " size_mb, valid_from, CAST(NULL AS timestamp with time zone) AS valid_to"
    " FROM stream WHERE deleted_at IS NULL UNION ALL SELECT user_email, movie_title,"
    " start_at, end_at, size_mb, valid_from, valid_to FROM stream_history"
)


def _postgresql() -> bool:
    return bool(op.get_bind().dialect.name == "postgresql")


def _move_aside() -> None:
    """Rename `stream`, its key and its index out of the new table's way."""
    op.execute("DROP VIEW stream_versions")
    op.execute("ALTER TABLE stream RENAME TO stream_before")
    op.execute(
        "ALTER TABLE stream_before RENAME CONSTRAINT stream_pkey TO stream_before_pkey"
    )
    op.execute("ALTER INDEX ix_stream_title_key RENAME TO ix_stream_before_title_key")


def _index_and_view() -> None:
    """The key, the title-key index, the view: built once the rows are in."""
    op.execute("SET LOCAL maintenance_work_mem = '256MB'")
    op.execute(f"ALTER TABLE stream ADD CONSTRAINT stream_pkey PRIMARY KEY ({KEY})")
    op.execute(f"CREATE INDEX ix_stream_title_key ON stream ({TITLE_KEY})")
    op.execute("DROP TABLE stream_before")
    op.execute(VIEW)


def upgrade() -> None:
    """Partition `stream` by day, its rows kept."""
    if not _postgresql():
        return
    _move_aside()
    op.execute(
        "CREATE TABLE stream (LIKE stream_before INCLUDING DEFAULTS)"
        " PARTITION BY RANGE (start_at)"
    )
    days = op.get_bind().exec_driver_sql(
        "SELECT DISTINCT date_trunc('day', start_at, 'UTC') FROM stream_before"
    )
    for (day,) in days.all():
        start = day.astimezone(timezone.utc)
        end = start + timedelta(days=1)
        op.execute(
            f"CREATE TABLE stream_{start:%Y_%m_%d} PARTITION OF stream FOR VALUES"
            f" FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
            " WITH (fillfactor = 50)"
        )
    op.execute("INSERT INTO stream SELECT * FROM stream_before")
    _index_and_view()


def downgrade() -> None:
    """One table again, its rows kept, the partitions dropped."""
    if not _postgresql():
        return
    _move_aside()
    op.execute(
        "CREATE TABLE stream (LIKE stream_before INCLUDING DEFAULTS)"
        " WITH (fillfactor = 50)"
    )
    op.execute("INSERT INTO stream SELECT * FROM stream_before")
    _index_and_view()
