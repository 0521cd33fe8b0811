"""The use cases: create the schema, load a source into its table, list the loads."""

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from strider_challenge.adapters.spool import RejectionSpool
from strider_challenge.adapters.validation import Validator
from strider_challenge.domain.datasets import FULL, INCREMENTAL, Dataset
from strider_challenge.domain.errors import (
    EmptyFullDumpError,
    LoadError,
    OutOfOrderError,
    ShapeError,
    TooManyRejectsError,
)
from strider_challenge.domain.ledger import FAILED, SKIPPED, SUCCEEDED, LoadRun
from strider_challenge.domain.results import MergeCounts, Rejection, ValidationTally
from strider_challenge.service_layer.ports import (
    Collector,
    RejectionStore,
    RowBatch,
)
from strider_challenge.service_layer.ports import Validator as ValidatorPort
from strider_challenge.service_layer.unit_of_work import AbstractUnitOfWork


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
    validation: ValidationTally = field(default_factory=ValidationTally)
    counts: MergeCounts = field(default_factory=MergeCounts)
    seconds: float = 0.0

    @property
    def rows_read(self) -> int:
        """Every record read, rejected ones included."""
        return self.validation.rows_read

    @property
    def rejected(self) -> int:
        """How many records were refused."""
        return self.validation.rejected

    @property
    def samples(self) -> tuple[Rejection, ...]:
        """The first refused records."""
        return self.validation.samples

    @property
    def rows_per_second(self) -> float:
        """Throughput over the whole load."""
        return self.rows_read / self.seconds if self.seconds else 0.0


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
    *,
    uow: AbstractUnitOfWork,
    limit: int = 20,
    model: str | None = None,
    status: str | None = None,
) -> list[LoadRun]:
    """The latest load attempts recorded in the ledger, newest first."""
    with uow:
        return uow.ledger.recent(limit=limit, model=model, status=status)


def load_run(*, uow: AbstractUnitOfWork, load_id: int) -> LoadRun | None:
    """One load of the ledger, or None if there is no load with that id."""
    with uow:
        return uow.ledger.get(load_id)


def rejections_of(
    *, uow: AbstractUnitOfWork, load_id: int, limit: int = 100, offset: int = 0
) -> list[Rejection] | None:
    """The records a load refused, in source order; None if there is no such load."""
    with uow:
        if uow.ledger.get(load_id) is None:
            return None
        return uow.ledger.rejections(load_id, limit=limit, offset=offset)


def load(
    *,
    dataset: Dataset[Any],
    collector: Collector,
    uow: AbstractUnitOfWork,
    mode: str | None = None,
    as_of: datetime | None = None,
    force: bool = False,
    max_rejects: int | None = None,
    max_deletes: float | None = None,
    records_stand_alone: bool = False,
    on_progress: Callable[[int], None] | None = None,
    on_wait: Callable[[str], None] | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> LoadReport:
    """Load every valid record of a source into the dataset's table, in one transaction.

    The load runs in phases, each with its own tally: read and validate (`Validation`:
    rows read, accepted, rejected), stage (rows staged), merge (`MergeCounts`), and
    record (the ledger row and the rejected records), then commits.

    One load per model at a time: a second load of the same model waits for the
    first to finish (`on_wait` is told), then sees what it committed.

    The load is recorded in the ledger with its counts and the SHA-256 of its bytes;
    a source already loaded successfully for this model is skipped unless `force`.
    Records that fail validation, mapping or a business rule are stored in
    `rejected_record`, counted, and sampled in the report. Every change is versioned
    in the history table, effective `as_of` (default: now); in `full` mode (the
    dataset's default unless `mode` says otherwise) the records the source lacks are
    marked deleted.

    A full load that would mark more than `max_deletes` percent of the model's
    current records deleted (a truncated dump) is refused; None allows any.

    `force` also loads a dump older than the newest one loaded, as a correction
    effective at that newest dump's time (history never runs backwards), a full
    dump with no valid record (which marks every record deleted), and a full dump
    that marks more than `max_deletes` percent deleted.

    Every attempt is on record: a load skipped, or one that failed and was rolled
    back, leaves a `skipped` or `failed` ledger row, written in a transaction of
    its own after the load's (a failed one with zero counts and its message).

    `records_stand_alone` says the source is no file but records each on its own
    (broker messages): its first record does not give the source a shape, and a
    source with no valid record is stored as rejected rather than refused.

    Raises:
        LoadError: the source cannot be read, is not a file of this model, more
            than `max_rejects` records were rejected or `max_deletes` percent
            deleted, the dump is out of order or empty, or the database failed;
            the database is left as it was but for the `failed` ledger row.
    """
    started_at = clock()
    full = (mode or dataset.default_mode) == FULL
    attempt = LoadRun(
        model=dataset.name,
        source=collector.source,
        started_at=started_at,
        mode=FULL if full else INCREMENTAL,
    )
    try:
        report = _load(
            dataset,
            collector,
            uow,
            full=full,
            as_of=as_of,
            force=force,
            max_rejects=max_rejects,
            max_deletes=None if force else max_deletes,
            records_stand_alone=records_stand_alone,
            started_at=started_at,
            on_progress=on_progress,
            on_wait=on_wait,
            clock=clock,
        )
    except LoadError as error:
        attempt.status, attempt.error = FAILED, str(error)
        _record(uow, attempt, clock())
        raise
    if report.skipped_as is not None:
        attempt.status, attempt.sha256 = SKIPPED, report.sha256
        attempt.error = f"these bytes were already loaded by load #{report.skipped_as}"
        report.run_id = _record(uow, attempt, clock())
    return report


def _record(
    uow: AbstractUnitOfWork, attempt: LoadRun, finished_at: datetime
) -> int | None:
    """Write a skipped or failed attempt's ledger row in its own transaction.

    Returns:
        Its id, or None if the database could not take it: the load's own outcome
        (its error, most often the very database failure) is what the user sees.
    """
    attempt.finished_at = finished_at
    try:
        with uow:
            run_id = uow.ledger.record(attempt)
            uow.commit()
    except LoadError:
        return None
    return run_id


def _load(
    dataset: Dataset[Any],
    collector: Collector,
    uow: AbstractUnitOfWork,
    *,
    full: bool,
    as_of: datetime | None,
    force: bool,
    max_rejects: int | None,
    max_deletes: float | None,
    records_stand_alone: bool,
    started_at: datetime,
    on_progress: Callable[[int], None] | None,
    on_wait: Callable[[str], None] | None,
    clock: Callable[[], datetime],
) -> LoadReport:
    """The load itself, in one transaction that commits only at its end."""
    started = time.perf_counter()
    report = LoadReport(model=dataset.name, source=collector.source)
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
            started_at=started_at,
            mode=FULL if full else INCREMENTAL,
            as_of=effective,
        )
        run.id = report.run_id = uow.ledger.start(
            model=run.model, source=run.source, started_at=run.started_at
        )
        spool = RejectionSpool()
        try:
            validation = Validation(
                dataset,
                collector,
                Validator(dataset),
                spool,
                max_rejects=max_rejects,
                check_shape=not records_stand_alone,
                on_progress=on_progress,
            )
            staged = uow.stager(dataset).stage(validation)
            report.validation = validation.tally
            if not records_stand_alone:
                _check_outcome(report, dataset, collector.source, staged, full, force)
            report.sha256 = collector.sha256
            if not force and upfront is None and _skip(uow, report, report.sha256):
                return report
            report.counts = uow.merger(dataset).merge(
                staged, as_of=effective, full=full, max_deletes=max_deletes
            )
            uow.ledger.store_rejections(run.id, spool)
        finally:
            spool.close()
        _finish(run, report, clock())
        uow.ledger.finish(run)
        uow.commit()
    report.seconds = time.perf_counter() - started
    return report


class Validation:
    """The read and validate phase: raw batches in, typed row batches out.

    It owns its tally (`tally`, complete once iterated) and puts every rejection in
    the store it is given; it checks the source's shape on the first batch, and
    stops the load when more than `max_rejects` records are refused.
    """

    def __init__(
        self,
        dataset: Dataset[Any],
        collector: Collector,
        validator: ValidatorPort,
        rejections: RejectionStore,
        *,
        max_rejects: int | None = None,
        check_shape: bool = True,
        on_progress: Callable[[int], None] | None = None,
    ) -> None:
        self.dataset = dataset
        self.check_shape = check_shape
        self.collector = collector
        self.validator = validator
        self.rejections = rejections
        self.max_rejects = max_rejects
        self.on_progress = on_progress
        self.tally = ValidationTally()

    def __iter__(self) -> Iterator[RowBatch]:
        """Validate the source batch by batch; yield the accepted rows."""
        first = self.check_shape
        for batch in self.collector.batches():
            if first:
                _check_shape(self.dataset, self.collector.source, batch.fields())
                first = False
            validated = self.validator.validate(batch)
            before = self.tally.rejected
            self.tally = self.tally.add(
                validated.fast, validated.checked, validated.rejections
            )
            self.rejections.write(validated.rejections)
            if self.max_rejects is not None and self.tally.rejected > self.max_rejects:
                last = validated.rejections[self.max_rejects - before]
                raise TooManyRejectsError(
                    f"more than {self.max_rejects} record(s) rejected (the last at "
                    f"{last.position}: {last.error}); nothing was loaded"
                )
            if self.on_progress:
                self.on_progress(self.tally.rows_read)
            yield from validated.rows


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


def _check_outcome(
    report: LoadReport,
    dataset: Dataset[Any],
    source: str,
    staged: int,
    full: bool,
    force: bool,
) -> None:
    """Refuse a source none of whose records is valid, and an empty full dump."""
    tally = report.validation
    if tally.rows_read and tally.rejected == tally.rows_read:
        first = tally.samples[0]
        raise ShapeError(
            f"none of the {tally.rows_read} records of {source} is a valid "
            f"{dataset.name} (first, at {first.position}: {first.error})"
        )
    if full and not staged and not force:
        raise EmptyFullDumpError(
            f"{source} has no {dataset.name} record: a full load would mark every "
            "one deleted (--mode incremental loads nothing; --force marks them "
            "deleted)"
        )


def _finish(run: LoadRun, report: LoadReport, finished_at: datetime) -> None:
    counts = report.counts
    run.sha256 = report.sha256
    run.finished_at = finished_at
    run.status = SUCCEEDED
    run.rows_read = report.rows_read
    run.inserted, run.updated = counts.inserted, counts.updated
    run.unchanged, run.duplicates = counts.unchanged, counts.duplicates
    run.deleted, run.undeleted = counts.deleted, counts.undeleted
    run.rejected = report.rejected


def _check_shape(dataset: Dataset[Any], source: str, fields: list[str]) -> None:
    missing = sorted(dataset.required_fields() - set(fields))
    if missing:
        raise ShapeError(
            f"{source} is not a {dataset.name} file: its records lack "
            f"{', '.join(missing)}"
        )
