"""The ports of the load: what the service layer needs from the adapters.

Each is a Protocol: the adapters implement them, and the unit tests' fakes are
checked against the same Protocols by mypy.
"""

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Protocol, TypeAlias

import pyarrow as pa

from strider_challenge.adapters.collectors import RawBatch
from strider_challenge.domain.ledger import LoadRun
from strider_challenge.domain.messages import Message
from strider_challenge.domain.results import MergeCounts, Rejection

#: Typed rows ready to stage: the dataset's columns and `_seq` (adapters/arrow_rows).
RowBatch: TypeAlias = pa.RecordBatch

__all__ = ["Message", "RawBatch", "RowBatch"]


class Collector(Protocol):
    """A source of records: a file, a stream, a request's body, messages."""

    @property
    def source(self) -> str:
        """Where the records come from, as shown to the user and in the ledger."""

    @property
    def sha256(self) -> str:
        """The SHA-256 of the bytes read so far: of the whole source once exhausted."""

    @property
    def position_unit(self) -> str:
        """What a record's position counts: `line`, `index`, ..."""

    def batches(self) -> Iterator[RawBatch]:
        """The source's records, batch by batch, in order."""

    def sha256_upfront(self) -> str | None:
        """The digest of the whole source if it can be had before loading, else None."""


class Validated(Protocol):
    """What validation made of one raw batch."""

    @property
    def rows(self) -> Sequence[RowBatch]:
        """The accepted rows."""

    @property
    def fast(self) -> int:
        """Rows accepted column by column."""

    @property
    def checked(self) -> int:
        """Rows accepted one by one."""

    @property
    def rejections(self) -> list[Rejection]:
        """The records refused."""


class Validator(Protocol):
    """Checks raw batches against a dataset's schema and rules."""

    def validate(self, batch: RawBatch) -> Validated:
        """Typed rows and rejections of one batch."""


class RejectionStore(Protocol):
    """Rejections kept until the ledger can take them."""

    def write(self, rejections: Iterable[Rejection]) -> None:
        """Keep these rejections."""

    def __iter__(self) -> Iterator[Rejection]:
        """Every rejection kept, in order."""

    def close(self) -> None:
        """Release what the store holds."""


class Stager(Protocol):
    """Writes row batches into the load's staging table."""

    def stage(self, batches: Iterable[RowBatch]) -> int:
        """Stage every batch; return how many rows were staged."""


class Merger(Protocol):
    """Merges the staged rows into the dataset's table and history."""

    def merge(
        self,
        staged: int,
        *,
        as_of: datetime,
        full: bool,
        max_deletes: float | None = None,
    ) -> MergeCounts:
        """Merge `staged` rows effective `as_of`; `full` marks the absent deleted.

        Raises:
            TooManyDeletionsError: a full dump lacks more than `max_deletes` percent
                of the current records (None: no limit).
        """


class Ledger(Protocol):
    """The load ledger: `load_run` and `rejected_record`."""

    def start(self, *, model: str, source: str, started_at: datetime) -> int:
        """Open a ledger row; return its id."""

    def finish(self, run: LoadRun) -> None:
        """Record what a load did."""

    def record(self, run: LoadRun) -> int:
        """Write a whole ledger row (a skipped or failed attempt); return its id."""

    def store_rejections(self, load_id: int, rejections: Iterable[Rejection]) -> int:
        """Keep a load's refused records; return how many."""

    def succeeded_with(self, *, model: str, sha256: str) -> LoadRun | None:
        """The latest successful load of these bytes for the model."""

    def latest_as_of(self, *, model: str) -> datetime | None:
        """The effective time of the newest successful load of the model."""

    def recent(
        self, *, limit: int, model: str | None = None, status: str | None = None
    ) -> list[LoadRun]:
        """The latest loads (of `model`, with `status`, when given), newest first."""

    def get(self, load_id: int) -> LoadRun | None:
        """One load, by its id."""

    def rejections(self, load_id: int, *, limit: int, offset: int) -> list[Rejection]:
        """A load's refused records in source order, `offset` of them skipped."""


class Broker(Protocol):
    """A log-based message broker read by a durable consumer with explicit acks."""

    @property
    def subject(self) -> str:
        """What the consumer reads (a subject filter, a topic), for the ledger."""

    def fetch(self, *, max_messages: int, max_wait: float) -> list[Message]:
        """Up to `max_messages` messages, waiting at most `max_wait` seconds.

        Messages fetched but not acknowledged are delivered again later.
        """

    def ack(self, messages: Sequence[Message]) -> None:
        """Acknowledge these messages: they are never delivered again."""

    def close(self) -> None:
        """Let go of the broker; unacknowledged messages will be redelivered."""
