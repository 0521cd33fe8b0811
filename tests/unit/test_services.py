from collections.abc import Iterable, Iterator
from typing import Any

import pytest

from strider_challenge.adapters.collectors import SourceRecord
from strider_challenge.adapters.repository import StagedRow
from strider_challenge.domain.datasets import Dataset, get_dataset
from strider_challenge.domain.errors import ShapeError, SourceError
from strider_challenge.domain.results import MergeCounts
from strider_challenge.service_layer import services
from strider_challenge.service_layer.unit_of_work import AbstractUnitOfWork
from tests import records


class FakeRepository:
    """Keeps rows in a dict keyed like the table; counts like the real ones."""

    def __init__(self, dataset: Dataset[Any], table: dict[tuple[Any, ...], Any]):
        self.dataset = dataset
        self.table = table
        self.staged: dict[tuple[Any, ...], Any] = {}
        self.rows_staged = 0

    def stage(self, rows: Iterable[StagedRow]) -> None:
        for _position, row in rows:
            self.rows_staged += 1
            self.staged[tuple(row[k] for k in self.dataset.key)] = row

    def merge(self) -> MergeCounts:
        inserted = sum(key not in self.table for key in self.staged)
        updated = sum(
            key in self.table and self.table[key] != row
            for key, row in self.staged.items()
        )
        self.table.update(self.staged)
        return MergeCounts(
            inserted=inserted,
            updated=updated,
            unchanged=len(self.staged) - inserted - updated,
            duplicates=self.rows_staged - len(self.staged),
        )


class FakeUnitOfWork(AbstractUnitOfWork):
    def __init__(self) -> None:
        self.tables: dict[str, dict[tuple[Any, ...], Any]] = {}
        self.pending: dict[str, dict[tuple[Any, ...], Any]] = {}
        self.schema_created = False
        self.rolled_back = False

    def repository(self, dataset: Dataset[Any]) -> Any:
        table = dict(self.tables.get(dataset.name, {}))
        self.pending[dataset.name] = table
        return FakeRepository(dataset, table)

    def create_schema(self) -> None:
        self.schema_created = True

    def _commit(self) -> None:
        self.tables.update(self.pending)

    def rollback(self) -> None:
        self.rolled_back = True
        self.pending = {}


class ListCollector:
    def __init__(self, items: list[SourceRecord], source: str = "mem.csv") -> None:
        self.items = items
        self.source = source
        self.sha256 = "0" * 64

    def records(self) -> Iterator[SourceRecord]:
        yield from self.items


def numbered(*fields: dict[str, Any]) -> list[SourceRecord]:
    return [SourceRecord(i, f) for i, f in enumerate(fields, start=2)]


def test_init_db_creates_the_schema_and_commits() -> None:
    uow = FakeUnitOfWork()

    services.init_db(uow=uow)

    assert uow.schema_created and uow.committed


def test_load_commits_and_counts_inserts_updates_and_unchanged() -> None:
    uow = FakeUnitOfWork()
    movie = get_dataset("movie")
    services.load(
        dataset=movie,
        collector=ListCollector(numbered(records.movie("A"), records.movie("B"))),
        uow=uow,
    )

    report = services.load(
        dataset=movie,
        collector=ListCollector(
            numbered(records.movie("A"), records.movie("B", size_mb="9"))
            + numbered(records.movie("C"))
        ),
        uow=uow,
    )

    assert uow.committed
    assert report.counts == MergeCounts(inserted=1, updated=1, unchanged=1)
    assert report.rows_read == 3
    assert uow.tables["movie"][("B",)]["size_mb"] == 9


def test_duplicate_keys_keep_the_last_row_and_are_counted() -> None:
    uow = FakeUnitOfWork()

    report = services.load(
        dataset=get_dataset("movie"),
        collector=ListCollector(
            numbered(records.movie("A", size_mb="1"), records.movie("A", size_mb="2"))
        ),
        uow=uow,
    )

    assert report.counts == MergeCounts(inserted=1, duplicates=1)
    assert uow.tables["movie"][("A",)]["size_mb"] == 2


def test_invalid_records_are_rejected_counted_and_sampled() -> None:
    uow = FakeUnitOfWork()
    bad = [records.movie(f"M{i}", duration_mins="long") for i in range(7)]
    items = numbered(records.movie("Good"), *bad)
    items.append(SourceRecord(99, records.movie("Wide"), "3 fields where ..."))

    report = services.load(
        dataset=get_dataset("movie"), collector=ListCollector(items), uow=uow
    )

    assert (report.rows_read, report.rejected) == (9, 8)
    assert report.counts.inserted == 1
    assert len(report.samples) == services.REJECT_SAMPLES
    first = report.samples[0]
    assert first.position == 3
    assert first.error.startswith("duration_mins: Input should be a valid integer")
    assert '"title": "M0"' in first.raw
    assert list(uow.tables["movie"]) == [("Good",)]


def test_mapping_errors_are_rejections_too() -> None:
    uow = FakeUnitOfWork()
    two_movies = records.review(movies=[{"title": "A"}, {"title": "B"}])

    report = services.load(
        dataset=get_dataset("review"),
        collector=ListCollector(numbered(records.review(), two_movies)),
        uow=uow,
    )

    assert report.rejected == 1
    assert report.samples[0].error == "a review names one movie, this one names 2"


def test_a_file_of_another_model_is_refused_and_rolled_back() -> None:
    uow = FakeUnitOfWork()

    with pytest.raises(ShapeError, match="not a book file: its records lack name"):
        services.load(
            dataset=get_dataset("book"),
            collector=ListCollector(numbered(records.author())),
            uow=uow,
        )

    assert not uow.committed and uow.rolled_back
    assert uow.tables == {}


def test_a_source_where_every_record_fails_is_refused() -> None:
    uow = FakeUnitOfWork()

    with pytest.raises(ShapeError, match=r"none of the 2 records .* \(first, at 2"):
        services.load(
            dataset=get_dataset("movie"),
            collector=ListCollector(
                numbered(records.movie(size_mb="x"), records.movie(size_mb="y"))
            ),
            uow=uow,
        )

    assert not uow.committed


def test_a_source_failing_halfway_leaves_nothing() -> None:
    class Broken(ListCollector):
        def records(self) -> Iterator[SourceRecord]:
            yield SourceRecord(2, records.movie("A"))
            raise SourceError("mem.csv is not valid CSV: boom")

    uow = FakeUnitOfWork()

    with pytest.raises(SourceError):
        services.load(dataset=get_dataset("movie"), collector=Broken([]), uow=uow)

    assert uow.rolled_back and uow.tables == {}


def test_empty_source_loads_nothing_and_commits() -> None:
    uow = FakeUnitOfWork()

    report = services.load(
        dataset=get_dataset("movie"), collector=ListCollector([]), uow=uow
    )

    assert report.rows_read == 0 and uow.committed
    assert report.rows_per_second == 0.0 and report.counts == MergeCounts()


def test_progress_is_reported_periodically_and_at_the_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(services, "PROGRESS_EVERY", 2)
    seen: list[int] = []

    report = services.load(
        dataset=get_dataset("user"),
        collector=ListCollector(numbered(*(records.user(f"u{i}@x") for i in range(5)))),
        uow=FakeUnitOfWork(),
        on_progress=seen.append,
    )

    assert seen == [2, 4, 5]
    assert report.rows_per_second > 0
