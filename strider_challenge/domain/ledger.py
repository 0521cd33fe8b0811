"""The load ledger: one row per load, and the records each load refused."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from strider_challenge.domain.columns import Instant

#: The outcomes of a load attempt, as `load_run.status` records them.
SUCCEEDED, SKIPPED, FAILED = "succeeded", "skipped", "failed"
STATUSES = (SUCCEEDED, SKIPPED, FAILED)


class LoadRun(SQLModel, table=True):
    """One load attempt: what it read, from where, what it did, or why it did not.

    Invariant: rows_read = inserted + updated + unchanged + rejected + duplicates.
    `as_of` is the dump's effective time; `deleted` counts the records a full dump
    lacked; `undeleted` the deleted records that came back (among `updated`).
    A load that fails is rolled back whole; then a row of its own transaction
    records it, `failed`, every count zero, `error` its one-line message. A load
    skipped as already loaded is a `skipped` row whose `error` says by which load.
    `error` is NULL for a load that succeeded.
    """

    __tablename__ = "load_run"

    id: int | None = Field(default=None, primary_key=True)
    model: str = Field(index=True)
    source: str
    sha256: str | None = Field(default=None, index=True)
    started_at: datetime = Field(sa_type=Instant)
    finished_at: datetime | None = Field(default=None, sa_type=Instant)
    status: str = "running"
    mode: str = "incremental"
    as_of: datetime | None = Field(default=None, sa_type=Instant)
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    duplicates: int = 0
    deleted: int = 0
    undeleted: int = 0
    error: str | None = None


class RejectedRecord(SQLModel, table=True):
    """A record a load refused, kept whole so that nothing is lost.

    `position` is the line number where the record starts in a CSV file, or its index
    in a JSON array.
    """

    __tablename__ = "rejected_record"

    id: int | None = Field(default=None, primary_key=True)
    load_id: int = Field(foreign_key="load_run.id", index=True)
    position: int
    raw: str
    error: str
