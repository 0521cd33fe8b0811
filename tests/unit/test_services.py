import hashlib
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from strider_challenge.adapters.collectors import Records, SourceRecord
from strider_challenge.domain.datasets import Dataset, get_dataset
from strider_challenge.domain.deletions import check_deletions
from strider_challenge.domain.errors import (
    DatabaseError,
    EmptyFullDumpError,
    OutOfOrderError,
    ShapeError,
    SourceError,
    TooManyDeletionsError,
    TooManyRejectsError,
)
from strider_challenge.domain.ledger import LoadRun
from strider_challenge.domain.results import REJECT_SAMPLES, MergeCounts, Rejection
from strider_challenge.service_layer import services
from strider_challenge.service_layer.ports import (
    Ledger,
    Merger,
    RawBatch,
    RowBatch,
    Stager,
)
from strider_challenge.service_layer.unit_of_work import AbstractUnitOfWork
from tests import records


class FakeStager:
    """Keeps the staged rows, last of each key winning, as the real stagers' plan."""

    def __init__(self, dataset: Dataset[Any], uow: "FakeUnitOfWork") -> None:
        self.dataset = dataset
        self.uow = uow

    def stage(self, batches: Iterable[RowBatch]) -> int:
        rows = sorted(
            (row for batch in batches for row in batch.to_pylist()),
            key=lambda row: row["_seq"],
        )
        staged = self.uow.staged.setdefault(self.dataset.name, {})
        for row in rows:
            del row["_seq"]
            staged[tuple(row[k] for k in self.dataset.key)] = row
        return len(rows)


class FakeMerger:
    """Merges the staged rows into a dict keyed like the table; counts alike."""

    def __init__(self, dataset: Dataset[Any], uow: "FakeUnitOfWork") -> None:
        self.dataset = dataset
        self.uow = uow
        self.table = uow.pending.setdefault(
            dataset.name, dict(uow.tables.get(dataset.name, {}))
        )

    def merge(
        self,
        staged: int,
        *,
        as_of: datetime,
        full: bool,
        max_deletes: float | None = None,
    ) -> MergeCounts:
        self.uow.merges.append((self.dataset.name, as_of, full))
        rows = self.uow.staged.pop(self.dataset.name, {})
        inserted = sum(key not in self.table for key in rows)
        updated = sum(
            key in self.table and self.table[key] != row for key, row in rows.items()
        )
        deleted = [key for key in self.table if key not in rows] if full else []
        check_deletions(
            self.dataset.name,
            deleting=len(deleted),
            current=len(self.table),
            max_deletes=max_deletes,
        )
        for key in deleted:
            del self.table[key]
        self.table.update(rows)
        return MergeCounts(
            inserted=inserted,
            updated=updated,
            unchanged=len(rows) - inserted - updated,
            duplicates=staged - len(rows),
            deleted=len(deleted),
        )


class FakeLedger:
    def __init__(self, uow: "FakeUnitOfWork") -> None:
        self.uow = uow

    def start(self, *, model: str, source: str, started_at: datetime) -> int:
        run_id = len(self.uow.runs) + len(self.uow.pending_runs) + 1
        self.uow.pending_runs[run_id] = LoadRun(
            id=run_id, model=model, source=source, started_at=started_at
        )
        return run_id

    def finish(self, run: LoadRun) -> None:
        assert run.id is not None
        self.uow.pending_runs[run.id] = run

    def record(self, run: LoadRun) -> int:
        if self.uow.gone:
            raise DatabaseError("server closed the connection unexpectedly")
        run_id = len(self.uow.runs) + len(self.uow.pending_runs) + 1
        self.uow.pending_runs[run_id] = run.model_copy(update={"id": run_id})
        return run_id

    def store_rejections(self, load_id: int, rejections: Iterable[Rejection]) -> int:
        stored = [(load_id, rejection) for rejection in rejections]
        self.uow.pending_rejections.extend(stored)
        return len(stored)

    def succeeded_with(self, *, model: str, sha256: str) -> LoadRun | None:
        found = [
            r
            for r in self.uow.runs.values()
            if (r.model, r.sha256, r.status) == (model, sha256, "succeeded")
        ]
        return found[-1] if found else None

    def latest_as_of(self, *, model: str) -> datetime | None:
        times = [
            r.as_of
            for r in self.uow.runs.values()
            if r.model == model and r.status == "succeeded" and r.as_of is not None
        ]
        return max(times, default=None)

    def recent(
        self, *, limit: int, model: str | None = None, status: str | None = None
    ) -> list[LoadRun]:
        runs = [
            r
            for r in self.uow.runs.values()
            if model in (None, r.model) and status in (None, r.status)
        ]
        return sorted(runs, key=lambda r: r.id or 0, reverse=True)[:limit]

    def get(self, load_id: int) -> LoadRun | None:
        return self.uow.runs.get(load_id)

    def rejections(self, load_id: int, *, limit: int, offset: int) -> list[Rejection]:
        found = [r for i, r in self.uow.rejections if i == load_id]
        return sorted(found, key=lambda r: r.position)[offset : offset + limit]


class FakeUnitOfWork(AbstractUnitOfWork):
    def __init__(self) -> None:
        self.tables: dict[str, dict[tuple[Any, ...], Any]] = {}
        self.runs: dict[int, LoadRun] = {}
        self.rejections: list[tuple[int, Rejection]] = []
        self.schema_created = False
        self.rolled_back = False
        self.merges: list[tuple[str, datetime, bool]] = []
        self.locks: list[str] = []
        self.busy: set[str] = set()
        self.waited: list[str] = []
        self.gone = False
        self._reset()

    def _reset(self) -> None:
        self.pending: dict[str, dict[tuple[Any, ...], Any]] = {}
        self.staged: dict[str, dict[tuple[Any, ...], Any]] = {}
        self.pending_runs: dict[int, LoadRun] = {}
        self.pending_rejections: list[tuple[int, Rejection]] = []

    def stager(self, dataset: Dataset[Any]) -> Stager:
        return FakeStager(dataset, self)

    def merger(self, dataset: Dataset[Any]) -> Merger:
        return FakeMerger(dataset, self)

    @property
    def ledger(self) -> Ledger:
        return FakeLedger(self)

    def create_schema(self) -> None:
        self.schema_created = True

    def lock_model(self, model: str) -> bool:
        self.locks.append(model)
        return model not in self.busy

    def wait_for_model(self, model: str) -> None:
        self.waited.append(model)

    def schema_revisions(self) -> tuple[str | None, str]:
        return ("0009" if self.schema_created else None), "0009"

    def _commit(self) -> None:
        self.tables.update(self.pending)
        self.runs.update(self.pending_runs)
        self.rejections.extend(self.pending_rejections)
        self._reset()

    def rollback(self) -> None:
        self.rolled_back = True
        self._reset()


class ListCollector:
    """Records from a list, handed over `per_batch` at a time."""

    position_unit = "line"

    def __init__(
        self,
        items: list[SourceRecord],
        source: str = "mem.csv",
        upfront: bool = True,
        per_batch: int = 2,
    ) -> None:
        self.items = items
        self.source = source
        self.sha256 = hashlib.sha256(repr(items).encode()).hexdigest()
        self.upfront = upfront
        self.per_batch = per_batch

    def batches(self) -> Iterator[RawBatch]:
        for start in range(0, len(self.items), self.per_batch):
            yield Records(self.items[start : start + self.per_batch])

    def sha256_upfront(self) -> str | None:
        return self.sha256 if self.upfront else None


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
    assert len(report.samples) == REJECT_SAMPLES
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

    assert uow.rolled_back and uow.tables == {}
    (failed,) = uow.runs.values()
    assert (failed.status, failed.model, failed.rows_read) == ("failed", "book", 0)
    assert failed.error is not None and "its records lack name" in failed.error


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

    assert uow.tables == {} and uow.rejections == []
    assert [run.status for run in uow.runs.values()] == ["failed"]


def test_a_source_failing_halfway_leaves_nothing() -> None:
    class Broken(ListCollector):
        def batches(self) -> Iterator[RawBatch]:
            yield Records([SourceRecord(2, records.movie("A"))])
            raise SourceError("mem.csv is not valid CSV: boom")

    uow = FakeUnitOfWork()

    with pytest.raises(SourceError):
        services.load(dataset=get_dataset("movie"), collector=Broken([]), uow=uow)

    assert uow.rolled_back and uow.tables == {}


def test_empty_incremental_source_loads_nothing_and_commits() -> None:
    uow = FakeUnitOfWork()

    report = services.load(
        dataset=get_dataset("stream"), collector=ListCollector([]), uow=uow
    )

    assert report.rows_read == 0 and uow.committed
    assert report.rows_per_second == 0.0 and report.counts == MergeCounts()


def test_progress_is_reported_after_every_batch() -> None:
    seen: list[int] = []

    report = services.load(
        dataset=get_dataset("user"),
        collector=ListCollector(numbered(*(records.user(f"u{i}@x") for i in range(5)))),
        uow=FakeUnitOfWork(),
        on_progress=seen.append,
    )

    assert seen == [2, 4, 5]
    assert report.rows_per_second > 0


def load_movies(
    uow: FakeUnitOfWork, collector: ListCollector, **options: Any
) -> services.LoadReport:
    return services.load(
        dataset=get_dataset("movie"), collector=collector, uow=uow, **options
    )


def test_the_ledger_records_each_load_with_counts_that_add_up() -> None:
    uow = FakeUnitOfWork()
    items = numbered(
        records.movie("A"), records.movie("A"), records.movie("B", size_mb="x")
    )
    times = [datetime(2021, 12, 1, hour, tzinfo=timezone.utc) for hour in (1, 2, 3)]
    clock = iter(times)

    report = load_movies(uow, ListCollector(items), clock=lambda: next(clock))

    (run,) = uow.runs.values()
    assert run.id == report.run_id == 1
    assert (run.model, run.source, run.status) == ("movie", "mem.csv", "succeeded")
    assert run.sha256 == report.sha256 == ListCollector(items).sha256
    assert (run.started_at, run.as_of, run.finished_at) == tuple(times)
    assert run.error is None
    assert run.mode == "full"
    assert (run.rows_read, run.inserted, run.duplicates, run.rejected) == (3, 1, 1, 1)
    assert run.rows_read == (
        run.inserted + run.updated + run.unchanged + run.rejected + run.duplicates
    )


def test_rejections_are_stored_with_the_load_id() -> None:
    uow = FakeUnitOfWork()

    report = load_movies(
        uow, ListCollector(numbered(records.movie("A"), records.movie(size_mb="x")))
    )

    ((load_id, rejection),) = uow.rejections
    assert load_id == report.run_id
    assert rejection.position == 3 and rejection.error.startswith("size_mb: ")


@pytest.mark.parametrize("upfront", [True, False], ids=["hashed-first", "streamed"])
def test_a_source_already_loaded_is_skipped_and_writes_nothing(upfront: bool) -> None:
    uow = FakeUnitOfWork()
    items = numbered(records.movie("A"))
    first = load_movies(uow, ListCollector(items, upfront=upfront))
    uow.tables["movie"].clear()

    again = load_movies(uow, ListCollector(items, upfront=upfront))

    assert again.skipped_as == first.run_id
    assert again.sha256 == first.sha256
    assert uow.tables["movie"] == {}
    assert [r.status for r in uow.runs.values()] == ["succeeded", "skipped"]
    skipped = uow.runs[2]
    assert again.run_id == skipped.id == 2 and skipped.sha256 == first.sha256
    assert skipped.error == f"these bytes were already loaded by load #{first.run_id}"
    assert skipped.rows_read == skipped.inserted == 0


def test_force_loads_a_source_again() -> None:
    uow = FakeUnitOfWork()
    items = numbered(records.movie("A"))
    load_movies(uow, ListCollector(items))

    again = load_movies(uow, ListCollector(items), force=True)

    assert again.skipped_as is None
    assert again.counts == MergeCounts(unchanged=1)
    assert len(uow.runs) == 2


def test_the_same_bytes_for_another_model_are_not_skipped() -> None:
    uow = FakeUnitOfWork()
    collector = ListCollector(numbered(records.user()))
    uow.runs[1] = LoadRun(
        id=1,
        model="movie",
        source="x",
        sha256=collector.sha256,
        status="succeeded",
        started_at=datetime(2021, 1, 1),
    )

    report = services.load(dataset=get_dataset("user"), collector=collector, uow=uow)

    assert report.skipped_as is None and report.counts.inserted == 1


def test_more_rejections_than_allowed_abort_and_roll_back() -> None:
    uow = FakeUnitOfWork()
    items = numbered(
        records.movie("A"), records.movie(size_mb="x"), records.movie(size_mb="y")
    )

    assert load_movies(uow, ListCollector(items[:2]), max_rejects=1).rejected == 1
    with pytest.raises(TooManyRejectsError, match=r"more than 1 record\(s\) rejected"):
        load_movies(uow, ListCollector(items), max_rejects=1)

    assert [r.status for r in uow.runs.values()] == ["succeeded", "failed"]
    assert len(uow.tables["movie"]) == 1 and uow.runs[2].error is not None
    assert uow.runs[2].error.startswith("more than 1 record(s) rejected")


def test_recent_runs_are_newest_first_and_filterable() -> None:
    uow = FakeUnitOfWork()
    load_movies(uow, ListCollector(numbered(records.movie("A"))))
    services.load(
        dataset=get_dataset("user"),
        collector=ListCollector(numbered(records.user())),
        uow=uow,
    )

    everything = services.recent_runs(uow=uow)
    movies = services.recent_runs(uow=uow, model="movie", limit=5)

    assert [(r.id, r.model) for r in everything] == [(2, "user"), (1, "movie")]
    assert [r.id for r in movies] == [1]


def test_recent_runs_by_status() -> None:
    uow = FakeUnitOfWork()
    load_movies(uow, ListCollector(numbered(records.movie("A"))))
    load_movies(uow, ListCollector(numbered(records.movie("A"))))
    with pytest.raises(ShapeError):
        load_movies(uow, ListCollector(numbered(records.user())))

    statuses = {
        status: [r.id for r in services.recent_runs(uow=uow, status=status)]
        for status in ("succeeded", "skipped", "failed")
    }

    assert statuses == {"succeeded": [1], "skipped": [2], "failed": [3]}


def test_when_the_failure_row_cannot_be_written_the_load_s_error_wins() -> None:
    uow = FakeUnitOfWork()
    uow.gone = True

    with pytest.raises(ShapeError, match="its records lack duration_mins"):
        load_movies(uow, ListCollector(numbered(records.user())))

    assert uow.runs == {} and uow.tables == {}


def test_a_skip_whose_row_cannot_be_written_is_still_a_skip() -> None:
    uow = FakeUnitOfWork()
    first = load_movies(uow, ListCollector(numbered(records.movie("A"))))
    uow.gone = True

    again = load_movies(uow, ListCollector(numbered(records.movie("A"))))

    assert again.skipped_as == first.run_id and again.run_id is None
    assert list(uow.runs) == [1]


def test_a_full_dump_that_deletes_too_much_is_refused_unless_forced() -> None:
    uow = FakeUnitOfWork()
    ten = [records.movie(f"M{i}") for i in range(10)]
    load_movies(uow, ListCollector(numbered(*ten)))
    one_missing = ListCollector(numbered(*ten[1:]))
    two_missing = ListCollector(numbered(*ten[2:]))

    with pytest.raises(TooManyDeletionsError) as refused:
        load_movies(uow, two_missing, max_deletes=10)
    kept = load_movies(uow, one_missing, max_deletes=10)
    forced = load_movies(uow, two_missing, max_deletes=0, force=True)

    assert str(refused.value).startswith(
        "this full movie load would mark 2 of the 10 current records deleted (20.0%), "
        "more than --max-deletes 10%: nothing was loaded"
    )
    assert kept.counts.deleted == 1 and forced.counts.deleted == 1
    assert [r.status for r in uow.runs.values()] == [
        "succeeded",
        "failed",
        "succeeded",
        "succeeded",
    ]


T0 = datetime(2021, 12, 2, 2, tzinfo=timezone(timedelta(hours=1)))


def test_mode_defaults_to_the_dataset_s_and_can_be_overridden() -> None:
    uow = FakeUnitOfWork()
    users = ListCollector(numbered(records.user()))

    services.load(dataset=get_dataset("user"), collector=users, uow=uow, as_of=T0)
    services.load(
        dataset=get_dataset("stream"),
        collector=ListCollector(numbered(records.stream())),
        uow=uow,
        as_of=T0,
    )
    services.load(
        dataset=get_dataset("user"),
        collector=users,
        uow=uow,
        as_of=T0,
        mode="incremental",
        force=True,
    )

    assert uow.merges == [
        ("user", T0, True),
        ("stream", T0, False),
        ("user", T0, False),
    ]
    assert [r.mode for r in uow.runs.values()] == ["full", "incremental", "incremental"]


def test_an_older_dump_is_refused_unless_forced_then_applied_at_the_newest_time() -> (
    None
):
    uow = FakeUnitOfWork()
    load_movies(uow, ListCollector(numbered(records.movie("A"))), as_of=T0)
    older = ListCollector(numbered(records.movie("A"), records.movie("B")))

    with pytest.raises(OutOfOrderError, match="older than the one already loaded"):
        load_movies(uow, older, as_of=T0 - timedelta(days=1))
    report = load_movies(uow, older, as_of=T0 - timedelta(days=1), force=True)

    assert report.counts.inserted == 1
    assert uow.merges[-1] == ("movie", T0, True)
    assert uow.runs[report.run_id or 0].as_of == T0


def test_a_naive_as_of_is_refused() -> None:
    with pytest.raises(OutOfOrderError, match="needs a UTC offset"):
        load_movies(
            FakeUnitOfWork(),
            ListCollector(numbered(records.movie("A"))),
            as_of=datetime(2021, 12, 2),
        )


def test_an_empty_full_dump_is_refused_unless_forced() -> None:
    uow = FakeUnitOfWork()
    load_movies(uow, ListCollector(numbered(records.movie("A"))), as_of=T0)

    with pytest.raises(EmptyFullDumpError, match="would mark every one deleted"):
        load_movies(uow, ListCollector([], source="empty.csv"), as_of=T0)
    forced = load_movies(uow, ListCollector([], source="empty.csv"), force=True)
    incremental = load_movies(
        uow, ListCollector([], source="e2.csv", upfront=False), mode="incremental"
    )

    assert forced.counts.deleted == 1
    assert incremental.counts == MergeCounts()


def test_schema_status_reports_both_revisions() -> None:
    uow = FakeUnitOfWork()

    assert services.schema_status(uow=uow) == (None, "0009")
    services.init_db(uow=uow)
    assert services.schema_status(uow=uow) == ("0009", "0009")


def test_a_load_takes_its_model_s_lock_and_waits_when_it_is_busy() -> None:
    uow = FakeUnitOfWork()
    told: list[str] = []
    load_movies(uow, ListCollector(numbered(records.movie("A"))))
    uow.busy.add("movie")

    report = load_movies(
        uow, ListCollector(numbered(records.movie("B"))), on_wait=told.append
    )
    load_movies(uow, ListCollector(numbered(records.movie("C"))))

    assert uow.locks == ["movie", "movie", "movie"]
    assert uow.waited == ["movie", "movie"]
    assert told == ["waiting for another load of movie to finish"]
    assert report.counts.inserted == 1
