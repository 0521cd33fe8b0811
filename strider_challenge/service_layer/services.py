"""The use cases: create the schema, load a source into its table, list the loads."""

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import chain
from typing import Any

from pydantic import ValidationError

from strider_challenge.adapters.collectors import Collector, SourceRecord
from strider_challenge.adapters.repository import Item
from strider_challenge.domain.datasets import FULL, INCREMENTAL, Dataset
from strider_challenge.domain.errors import (
    EmptyFullDumpError,
    OutOfOrderError,
    ShapeError,
    TooManyRejectsError,
)
from strider_challenge.domain.ledger import LoadRun
from strider_challenge.domain.mappers import MappingError
from strider_challenge.domain.results import MergeCounts, Rejection
from strider_challenge.service_layer.unit_of_work import AbstractUnitOfWork

#: How many rejected records a report keeps as examples.
REJECT_SAMPLES = 5

#: How often, in records, the progress callback is called.
PROGRESS_EVERY = 10_000


def utc_now() -> datetime:
    """The current instant."""
    return datetime.now(timezone.utc)


@dataclass
class LoadReport:
    """What one load read, wrote and refused."""

    model: str
    source: str
    run_id: int | None = None
    skipped_as: int | None = None
    sha256: str | None = None
    rows_read: int = 0
    counts: MergeCounts = field(default_factory=MergeCounts)
    rejected: int = 0
    samples: list[Rejection] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        """Throughput over the whole load."""
        return self.rows_read / self.seconds if self.seconds else 0.0


def describe_validation_error(error: ValidationError) -> str:
    """One line per field at fault, joined: `metadata.name: Input should be ...`."""
    return "; ".join(
        f"{'.'.join(str(part) for part in detail['loc']) or 'record'}: {detail['msg']}"
        for detail in error.errors(include_url=False)
    )


def init_db(*, uow: AbstractUnitOfWork) -> None:
    """Create every table that is missing; running it again changes nothing."""
    with uow:
        uow.create_schema()
        uow.commit()


def schema_status(*, uow: AbstractUnitOfWork) -> tuple[str | None, str]:
    """The database's schema revision (None if it has no tables) and the newest."""
    with uow:
        return uow.schema_revisions()


def recent_runs(
    *, uow: AbstractUnitOfWork, limit: int = 20, model: str | None = None
) -> list[LoadRun]:
    """The latest loads recorded in the ledger, newest first."""
    with uow:
        return uow.ledger.recent(limit=limit, model=model)


def load(
    *,
    dataset: Dataset[Any],
    collector: Collector,
    uow: AbstractUnitOfWork,
    mode: str | None = None,
    as_of: datetime | None = None,
    force: bool = False,
    max_rejects: int | None = None,
    on_progress: Callable[[int], None] | None = None,
    on_wait: Callable[[str], None] | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> LoadReport:
    """Load every valid record of a source into the dataset's table, in one transaction.

    One load per model at a time: a second load of the same model waits for the
    first to finish (`on_wait` is told), then sees what it committed.

    The load is recorded in the ledger with its counts and the SHA-256 of its bytes;
    a source already loaded successfully for this model is skipped unless `force`.
    Records that fail validation or mapping are stored in `rejected_record`, counted,
    and sampled in the report. Every change is versioned in the history table,
    effective `as_of` (default: now); in `full` mode (the dataset's default unless
    `mode` says otherwise) the records the source lacks are marked deleted.

    `force` also loads a dump older than the newest one loaded, as a correction
    effective at that newest dump's time (history never runs backwards), and a full
    dump with no valid record (which marks every record deleted).

    Raises:
        LoadError: the source cannot be read, is not a file of this model, more
            than `max_rejects` records were rejected, or the dump is out of order
            or empty; the database is left as it was.
    """
    started = time.perf_counter()
    report = LoadReport(model=dataset.name, source=collector.source)
    full = (mode or dataset.default_mode) == FULL
    with uow:
        if not uow.lock_model(dataset.name):
            if on_wait:
                on_wait(f"waiting for another load of {dataset.name} to finish")
            uow.wait_for_model(dataset.name)
        upfront = None if force else collector.sha256_upfront()
        if upfront is not None and _skip(uow, report, upfront):
            return report
        effective = _effective_time(uow, dataset.name, as_of or clock(), force)
        run = LoadRun(
            model=dataset.name,
            source=collector.source,
            started_at=clock(),
            mode=FULL if full else INCREMENTAL,
            as_of=effective,
        )
        run.id = report.run_id = uow.ledger.start(
            model=run.model, source=run.source, started_at=run.started_at
        )
        repository = uow.repository(dataset)
        items = _items(dataset, collector, report, max_rejects, on_progress)
        staged = repository.stage(items, load_id=run.id)
        if report.rows_read and report.rejected == report.rows_read:
            first = report.samples[0]
            raise ShapeError(
                f"none of the {report.rows_read} records of {collector.source} is a "
                f"valid {dataset.name} (first, at {first.position}: {first.error})"
            )
        if full and not staged and not force:
            raise EmptyFullDumpError(
                f"{collector.source} has no {dataset.name} record: a full load would "
                "mark every one deleted (--mode incremental loads nothing; --force "
                "marks them deleted)"
            )
        report.sha256 = collector.sha256
        if not force and upfront is None and _skip(uow, report, report.sha256):
            return report
        report.counts = repository.merge(staged, as_of=effective, full=full)
        _finish(run, report, clock())
        uow.ledger.finish(run)
        uow.commit()
    if on_progress:
        on_progress(report.rows_read)
    report.seconds = time.perf_counter() - started
    return report


def _effective_time(
    uow: AbstractUnitOfWork, model: str, as_of: datetime, force: bool
) -> datetime:
    """`as_of`, unless an older dump is forced in: then the newest dump's time."""
    if as_of.tzinfo is None:
        raise OutOfOrderError(f"--as-of {as_of.isoformat()} needs a UTC offset")
    latest = uow.ledger.latest_as_of(model=model)
    if latest is None or as_of >= latest:
        return as_of
    if not force:
        raise OutOfOrderError(
            f"this {model} dump is as of {as_of.isoformat()}, older than the one "
            f"already loaded as of {latest.isoformat()}; --force applies it as a "
            "correction at that later time"
        )
    return latest


def _skip(uow: AbstractUnitOfWork, report: LoadReport, sha256: str) -> bool:
    previous = uow.ledger.succeeded_with(model=report.model, sha256=sha256)
    if previous is not None:
        report.skipped_as = previous.id
        report.sha256 = sha256
    return previous is not None


def _finish(run: LoadRun, report: LoadReport, finished_at: datetime) -> None:
    counts = report.counts
    run.sha256 = report.sha256
    run.finished_at = finished_at
    run.status = "succeeded"
    run.rows_read = report.rows_read
    run.inserted, run.updated = counts.inserted, counts.updated
    run.unchanged, run.duplicates = counts.unchanged, counts.duplicates
    run.deleted, run.undeleted = counts.deleted, counts.undeleted
    run.rejected = report.rejected


def _items(
    dataset: Dataset[Any],
    collector: Collector,
    report: LoadReport,
    max_rejects: int | None,
    on_progress: Callable[[int], None] | None,
) -> Iterator[Item]:
    """Validate and map each record: a row to stage, or a rejection to store."""
    records = collector.records()
    first = next(records, None)
    if first is None:
        return
    _check_shape(dataset, collector.source, first)
    for record in chain([first], records):
        report.rows_read += 1
        if on_progress and report.rows_read % PROGRESS_EVERY == 0:
            on_progress(report.rows_read)
        error = record.problem
        if error is None:
            try:
                yield record.position, dataset.to_row(record.fields)
                continue
            except ValidationError as invalid:
                error = describe_validation_error(invalid)
            except MappingError as unmappable:
                error = str(unmappable)
        yield _reject(report, record, error, max_rejects)


def _reject(
    report: LoadReport, record: SourceRecord, error: str, max_rejects: int | None
) -> Rejection:
    rejection = Rejection(record.position, record.raw_text(), error)
    report.rejected += 1
    if len(report.samples) < REJECT_SAMPLES:
        report.samples.append(rejection)
    if max_rejects is not None and report.rejected > max_rejects:
        raise TooManyRejectsError(
            f"more than {max_rejects} record(s) rejected (the last at "
            f"{record.position}: {error}); nothing was loaded"
        )
    return rejection


def _check_shape(dataset: Dataset[Any], source: str, record: SourceRecord) -> None:
    missing = sorted(dataset.required_fields() - record.fields.keys())
    if missing:
        raise ShapeError(
            f"{source} is not a {dataset.name} file: its records lack "
            f"{', '.join(missing)}"
        )
