"""The tables the analysts query: one row per natural key, names plain and stable.

Every table also says since when its values are the record's current version
(`valid_from`; the versions before are in `<table>_history`), when the record was
first and last seen in a dump, and when a full dump first lacked it (`deleted_at`,
NULL while the record is current upstream).
"""

from datetime import date, datetime
from typing import Any

from sqlmodel import Field, SQLModel

from strider_challenge.domain.columns import Document, Instant
from strider_challenge.domain.indexes import title_key_index

#: Half of each page kept free on PostgreSQL: every load rewrites `last_seen_at` of
#: every record it sees, and a row version that fits on its page skips the indexes
#: (migration 0005 says more).
ROOM_FOR_UPDATES = {"postgresql_with": {"fillfactor": 50}}

#: `stream` on PostgreSQL is partitioned by range of `start_at`, one partition a day
#: (`adapters/partitions.py` creates them; docs/architecture.md says why a day).
STREAM_PARTITIONS = {"postgresql_partition_by": "RANGE (start_at)"}


class Movie(SQLModel, table=True):
    """A title of the company's catalog, keyed by its title."""

    __tablename__ = "movie"
    __table_args__ = (*title_key_index("ix_movie_title_key"), ROOM_FOR_UPDATES)

    title: str = Field(primary_key=True)
    duration_mins: int
    original_language: str
    size_mb: int
    first_seen_at: datetime = Field(sa_type=Instant)
    last_seen_at: datetime = Field(sa_type=Instant)
    deleted_at: datetime | None = Field(default=None, sa_type=Instant)
    valid_from: datetime = Field(sa_type=Instant)


class User(SQLModel, table=True):
    """A subscriber, keyed by e-mail address."""

    __tablename__ = "user"
    __table_args__ = ROOM_FOR_UPDATES

    email: str = Field(primary_key=True)
    first_name: str
    last_name: str
    first_seen_at: datetime = Field(sa_type=Instant)
    last_seen_at: datetime = Field(sa_type=Instant)
    deleted_at: datetime | None = Field(default=None, sa_type=Instant)
    valid_from: datetime = Field(sa_type=Instant)


class Stream(SQLModel, table=True):
    """One viewing of a movie by a user, keyed by who watched what and when it began."""

    __tablename__ = "stream"
    __table_args__ = (*title_key_index("ix_stream_title_key"), STREAM_PARTITIONS)

    user_email: str = Field(primary_key=True)
    movie_title: str = Field(primary_key=True)
    start_at: datetime = Field(primary_key=True, sa_type=Instant)
    end_at: datetime = Field(sa_type=Instant)
    size_mb: float
    first_seen_at: datetime = Field(sa_type=Instant)
    last_seen_at: datetime = Field(sa_type=Instant)
    deleted_at: datetime | None = Field(default=None, sa_type=Instant)
    valid_from: datetime = Field(sa_type=Instant)


class Author(SQLModel, table=True):
    """A vendor author, keyed by name; `nationalities` holds every {slug, label}."""

    __tablename__ = "author"
    __table_args__ = (*title_key_index("ix_author_name_key"), ROOM_FOR_UPDATES)

    name: str = Field(primary_key=True)
    birth_date: date | None = None
    died_at: date | None = None
    nationalities: list[dict[str, Any]] = Field(sa_type=Document)
    first_seen_at: datetime = Field(sa_type=Instant)
    last_seen_at: datetime = Field(sa_type=Instant)
    deleted_at: datetime | None = Field(default=None, sa_type=Instant)
    valid_from: datetime = Field(sa_type=Instant)


class Book(SQLModel, table=True):
    """A vendor book, keyed by title; `author` is its author's name as written."""

    __tablename__ = "book"
    __table_args__ = (
        *title_key_index("ix_book_title_key"),
        *title_key_index("ix_book_author_key"),
        ROOM_FOR_UPDATES,
    )

    title: str = Field(primary_key=True)
    pages: int | None = None
    author: str | None = None
    publisher: str | None = None
    first_seen_at: datetime = Field(sa_type=Instant)
    last_seen_at: datetime = Field(sa_type=Instant)
    deleted_at: datetime | None = Field(default=None, sa_type=Instant)
    valid_from: datetime = Field(sa_type=Instant)


class Review(SQLModel, table=True):
    """A vendor review of one movie and one book, keyed by both and `created_at`."""

    __tablename__ = "review"
    __table_args__ = (
        *title_key_index("ix_review_movie_key"),
        *title_key_index("ix_review_book_key"),
        ROOM_FOR_UPDATES,
    )

    movie_title: str = Field(primary_key=True)
    book_title: str = Field(primary_key=True)
    created_at: datetime = Field(primary_key=True, sa_type=Instant)
    updated_at: datetime | None = Field(default=None, sa_type=Instant)
    text: str | None = None
    rating: int | None = None
    rating_label: str | None = None
    first_seen_at: datetime = Field(sa_type=Instant)
    last_seen_at: datetime = Field(sa_type=Instant)
    deleted_at: datetime | None = Field(default=None, sa_type=Instant)
    valid_from: datetime = Field(sa_type=Instant)


#: The columns every table adds to its record, maintained by the loads.
TRACKING_COLUMNS = ("first_seen_at", "last_seen_at", "deleted_at", "valid_from")
