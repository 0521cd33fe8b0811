"""The use cases: create the schema, load a source into its table."""

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from strider_challenge.adapters.collectors import Collector, SourceRecord
from strider_challenge.adapters.repository import StagedRow
from strider_challenge.domain.datasets import Dataset
from strider_challenge.domain.errors import ShapeError
from strider_challenge.domain.mappers import MappingError
from strider_challenge.domain.results import MergeCounts
from strider_challenge.service_layer.unit_of_work import AbstractUnitOfWork

#: How many rejected records a report keeps as examples.
REJECT_SAMPLES = 5

#: How often, in records, the progress callback is called.
PROGRESS_EVERY = 10_000


@dataclass(frozen=True)
class Rejection:
    """A record that was not loaded, where it was, and why."""

    position: int
    raw: str
    error: str


@dataclass
class LoadReport:
    """What one load read, wrote and refused."""

    model: str
    source: str
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


def load(
    *,
    dataset: Dataset[Any],
    collector: Collector,
    uow: AbstractUnitOfWork,
    on_progress: Callable[[int], None] | None = None,
) -> LoadReport:
    """Load every valid record of a source into the dataset's table, in one transaction.

    Records that fail validation or mapping are counted and reported, never loaded.
    A source none of whose records fit the model is refused as a whole.

    Raises:
        LoadError: the source cannot be read or is not a file of this model; the
            database is left as it was.
    """
    started = time.perf_counter()
    report = LoadReport(model=dataset.name, source=collector.source)
    required = dataset.required_fields()

    def reject(record: SourceRecord, error: str) -> None:
        report.rejected += 1
        if len(report.samples) < REJECT_SAMPLES:
            report.samples.append(Rejection(record.position, record.raw_text(), error))

    def valid_rows() -> Iterator[StagedRow]:
        for record in collector.records():
            report.rows_read += 1
            if report.rows_read == 1:
                _check_shape(dataset, collector.source, record, required)
            if on_progress and report.rows_read % PROGRESS_EVERY == 0:
                on_progress(report.rows_read)
            if record.problem:
                reject(record, record.problem)
                continue
            try:
                yield record.position, dataset.to_row(record.fields)
            except ValidationError as error:
                reject(record, describe_validation_error(error))
            except MappingError as error:
                reject(record, str(error))

    with uow:
        repository = uow.repository(dataset)
        repository.stage(valid_rows())
        if report.rows_read and report.rejected == report.rows_read:
            first = report.samples[0]
            raise ShapeError(
                f"none of the {report.rows_read} records of {collector.source} is a "
                f"valid {dataset.name} (first, at {first.position}: {first.error})"
            )
        report.counts = repository.merge()
        uow.commit()
    if on_progress:
        on_progress(report.rows_read)
    report.seconds = time.perf_counter() - started
    return report


def _check_shape(
    dataset: Dataset[Any], source: str, record: SourceRecord, required: frozenset[str]
) -> None:
    missing = sorted(required - record.fields.keys())
    if missing:
        raise ShapeError(
            f"{source} is not a {dataset.name} file: its records lack "
            f"{', '.join(missing)}"
        )
