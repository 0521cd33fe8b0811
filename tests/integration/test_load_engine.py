"""The load engine on both databases: batches, duplicates, ledger, rejects."""

import gzip
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from strider_challenge.adapters import collectors
from strider_challenge.adapters.collectors import (
    CsvCollector,
    RawBatch,
    Records,
    SourceRecord,
)
from strider_challenge.domain.datasets import get_dataset
from strider_challenge.domain.errors import SourceError
from strider_challenge.domain.results import MergeCounts
from strider_challenge.service_layer import services
from strider_challenge.service_layer.unit_of_work import SqlAlchemyUnitOfWork
from tests import records


@pytest.fixture
def db(engine: Engine) -> Engine:
    services.init_db(uow=SqlAlchemyUnitOfWork(engine))
    return engine


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of a few lines, so that a small file spans many batches."""
    monkeypatch.setattr(collectors, "BLOCK_SIZE", 64)
    monkeypatch.setattr(collectors, "RECORDS_PER_BATCH", 4)


def load(engine: Engine, path: Path, **options: object) -> services.LoadReport:
    return services.load(
        dataset=get_dataset("movie"),
        collector=CsvCollector(path),
        uow=SqlAlchemyUnitOfWork(engine),
        **options,  # type: ignore[arg-type]
    )


def rows(engine: Engine, sql: str) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql))]


def sizes(engine: Engine) -> dict[str, int]:
    return {str(t): int(s) for t, s in rows(engine, "SELECT title, size_mb FROM movie")}


def movies(*pairs: tuple[str, int]) -> list[dict[str, object]]:
    return [records.movie(title, size_mb=str(size)) for title, size in pairs]


def test_duplicates_within_and_across_batches_keep_the_last_row(
    db: Engine, tmp_path: Path, small_batches: None
) -> None:
    load(db, records.write_csv(tmp_path / "a.csv", "movie", movies(("Old", 1))))
    path = records.write_csv(
        tmp_path / "b.csv",
        "movie",
        movies(
            ("A", 1),
            ("A", 2),
            ("B", 1),
            ("Old", 1),  # chunk 1: A twice
            ("C", 1),
            ("A", 3),
            ("Old", 5),
            ("D", 1),  # chunk 2: A again, Old changed
            ("B", 1),
            ("E", 1),  # chunk 3: B again, unchanged
        ),
    )

    report = load(db, path)

    assert report.counts == MergeCounts(inserted=5, updated=1, duplicates=4)
    assert sizes(db) == {"Old": 5, "A": 3, "B": 1, "C": 1, "D": 1, "E": 1}
    assert (
        report.rows_read
        == sum((report.counts.inserted, report.counts.updated, report.counts.unchanged))
        + report.counts.duplicates
        + report.rejected
    )


def test_a_first_load_keeps_the_last_row_of_each_key_and_writes_it_once(
    db: Engine, tmp_path: Path, small_batches: None
) -> None:
    # An empty table takes a shorter path: no classification, no keyed staging.
    path = records.write_csv(
        tmp_path / "a.csv",
        "movie",
        movies(("B", 1), ("A", 1), ("C", 1), ("B", 2), ("D", 1), ("A", 3), ("B", 4)),
    )

    report = load(db, path, mode="full")

    assert report.counts == MergeCounts(inserted=4, duplicates=3)
    assert sizes(db) == {"A": 3, "B": 4, "C": 1, "D": 1}
    assert rows(db, "SELECT count(*) FROM movie_history") == [(0,)]
    versions = rows(
        db,
        "SELECT title, size_mb, valid_to IS NULL FROM movie_versions ORDER BY title",
    )
    assert versions == [("A", 3, 1), ("B", 4, 1), ("C", 1, 1), ("D", 1, 1)]
    seen = rows(
        db,
        "SELECT count(*) FROM movie WHERE first_seen_at = last_seen_at"
        " AND valid_from = first_seen_at",
    )
    assert seen == [(4,)]


INDEXES = {
    "sqlite": "SELECT name, sql FROM sqlite_master WHERE tbl_name LIKE 'movie%'"
    " AND type = 'index' ORDER BY name",
    "postgresql": "SELECT indexname, indexdef FROM pg_indexes"
    " WHERE tablename LIKE 'movie%' ORDER BY indexname",
}


def test_a_first_load_leaves_the_indexes_as_they_were(
    db: Engine, tmp_path: Path
) -> None:
    # PostgreSQL builds the indexes of an empty table after its first merge.
    before = rows(db, INDEXES[db.dialect.name])
    report = load(
        db,
        records.write_csv(
            tmp_path / "a.csv", "movie", movies(("B", 1), ("A", 2), ("B", 3))
        ),
    )

    assert rows(db, INDEXES[db.dialect.name]) == before
    assert len(before) >= 3  # key and title key of movie, key of movie_history
    assert (report.counts.inserted, report.counts.duplicates) == (2, 1)
    assert sizes(db) == {"A": 2, "B": 3}
    with pytest.raises(Exception, match="(?i)unique"):
        with db.begin() as connection:  # the rebuilt key still holds
            connection.execute(text("INSERT INTO movie SELECT * FROM movie"))


def test_an_existing_row_seen_once_unchanged_then_changed_is_one_update(
    db: Engine, tmp_path: Path, small_batches: None
) -> None:
    load(db, records.write_csv(tmp_path / "a.csv", "movie", movies(("Old", 1))))
    path = records.write_csv(
        tmp_path / "b.csv",
        "movie",
        movies(("Old", 1), ("B", 1), ("C", 1), ("D", 1), ("Old", 2), ("E", 1)),
    )

    report = load(db, path)

    assert report.counts == MergeCounts(inserted=4, updated=1, duplicates=1)
    assert sizes(db)["Old"] == 2


def test_rejections_are_stored_with_their_position_across_batches(
    db: Engine, tmp_path: Path, small_batches: None
) -> None:
    path = records.write_csv(
        tmp_path / "m.csv",
        "movie",
        [
            records.movie("A"),
            records.movie("B", size_mb="big"),
            *movies(("C", 1), ("D", 1), ("E", 1), ("F", 1)),
            *(records.movie(f"G{i}", duration_mins="long") for i in range(9)),
            records.movie("H\tI"),
        ],
    )

    report = load(db, path)

    stored = rows(db, "SELECT load_id, position, raw, error FROM rejected_record")
    assert sorted((r[0], r[1]) for r in stored) == [
        (report.run_id, position) for position in (3, *range(8, 17))
    ]
    assert any('"title": "B"' in str(r[2]) for r in stored)
    assert any('"title": "G8"' in str(r[2]) for r in stored)
    assert report.counts.inserted == 6 and report.rejected == 10
    assert "H\tI" in sizes(db)


def test_the_ledger_row_adds_up_and_a_second_load_is_skipped(
    db: Engine, tmp_path: Path
) -> None:
    path = records.write_csv(
        tmp_path / "m.csv", "movie", [*movies(("A", 1), ("A", 2)), records.movie("")]
    )

    first = load(db, path)
    second = load(db, path)

    ((status, read, inserted, updated, unchanged, rejected, duplicates, sha),) = rows(
        db,
        "SELECT status, rows_read, inserted, updated, unchanged, rejected, duplicates,"
        " sha256 FROM load_run WHERE status = 'succeeded'",
    )
    assert (status, read, inserted, rejected, duplicates) == ("succeeded", 3, 1, 1, 1)
    assert read == sum((inserted, updated, unchanged, rejected, duplicates))
    assert sha == first.sha256 and len(str(sha)) == 64
    assert second.skipped_as == first.run_id
    assert rows(db, "SELECT status, sha256, error FROM load_run WHERE id = 2") == [
        ("skipped", sha, f"these bytes were already loaded by load #{first.run_id}")
    ]


def test_a_source_that_breaks_after_several_batches_leaves_nothing(
    db: Engine, tmp_path: Path, small_batches: None
) -> None:
    plain = records.write_csv(
        tmp_path / "m.csv", "movie", movies(*((f"M{i}", i) for i in range(200)))
    )
    packed = gzip.compress(plain.read_bytes())
    path = tmp_path / "m.csv.gz"
    path.write_bytes(packed[: len(packed) - 40])  # cut short: fails at the end

    with pytest.raises(SourceError, match="not a valid gzip file"):
        load(db, path)

    assert rows(db, "SELECT count(*) FROM movie") == [(0,)]
    ((status, read, inserted, error),) = rows(
        db, "SELECT status, rows_read, inserted, error FROM load_run"
    )
    assert (status, read, inserted) == ("failed", 0, 0)
    assert "not a valid gzip file" in error and "\n" not in error


@pytest.mark.postgres
def test_the_model_lock_is_held_until_the_transaction_ends(postgres_url: str) -> None:
    import threading
    import time

    from strider_challenge.adapters.database import create_database_engine

    engine = create_database_engine(postgres_url)
    first, second = SqlAlchemyUnitOfWork(engine), SqlAlchemyUnitOfWork(engine)
    with first:
        assert first.lock_model("movie")
        release = threading.Timer(0.5, first.rollback)
        with second:
            assert not second.lock_model("movie")
            assert second.lock_model("user")
            release.start()
            started = time.monotonic()
            second.wait_for_model("movie")
            waited = time.monotonic() - started
        release.join()  # its rollback ends before `first` exits, not during
    engine.dispose()

    assert waited >= 0.4


def test_a_second_sqlite_writer_waits_for_the_first(
    sqlite_url: str, tmp_path: Path
) -> None:
    import threading
    import time

    from strider_challenge.adapters.database import create_database_engine

    engine = create_database_engine(sqlite_url)
    services.init_db(uow=SqlAlchemyUnitOfWork(engine))
    path = records.write_csv(tmp_path / "m.csv", "movie", [records.movie("A")])
    first = SqlAlchemyUnitOfWork(engine)
    with first:
        release = threading.Timer(0.5, first.rollback)
        release.start()
        started = time.monotonic()
        report = load(engine, path)
        waited = time.monotonic() - started
    release.join()
    engine.dispose()

    assert waited >= 0.4 and report.counts.inserted == 1


class SlowStreams:
    """Streams in small batches with a pause between them, so a COPY stays open."""

    source = "slow.csv"
    sha256 = "0" * 64
    position_unit = "line"

    def __init__(self, started: threading.Event) -> None:
        self.started = started

    def batches(self) -> Iterator[RawBatch]:
        for batch in range(50):
            self.started.set()
            time.sleep(0.05)
            yield Records(
                [
                    SourceRecord(
                        batch * 10 + n,
                        records.stream(
                            f"2021-12-25T06:{n:02d}:00.000+0100", user_email=f"{batch}"
                        ),
                    )
                    for n in range(10)
                ]
            )

    def sha256_upfront(self) -> str | None:
        return None


@pytest.mark.postgres
def test_a_connection_dropped_mid_copy_is_the_server_s_one_line(
    postgres_url: str, postgres_server: Engine
) -> None:
    from strider_challenge.adapters.database import create_database_engine
    from strider_challenge.domain.errors import DatabaseError

    engine = create_database_engine(postgres_url)
    services.init_db(uow=SqlAlchemyUnitOfWork(engine))
    started = threading.Event()
    database = engine.url.database

    def terminate() -> None:
        started.wait(10)
        with postgres_server.connect() as admin:
            while not admin.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = :db AND query LIKE 'COPY%'"
                ),
                {"db": database},
            ).scalar():
                time.sleep(0.01)

    killer = threading.Thread(target=terminate)
    killer.start()
    with pytest.raises(DatabaseError) as failed:
        services.load(
            dataset=get_dataset("stream"),
            collector=SlowStreams(started),
            uow=SqlAlchemyUnitOfWork(engine),
        )
    killer.join()
    engine.dispose()

    assert str(failed.value) == (
        "database: terminating connection due to administrator command"
    )


@pytest.mark.postgres
def test_a_copy_the_server_refuses_is_a_database_error(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from strider_challenge.adapters import staging
    from strider_challenge.adapters.database import create_database_engine
    from strider_challenge.domain.errors import DatabaseError

    made = staging.PostgresStager.__init__

    def skewed(self: staging.PostgresStager, *args: Any) -> None:
        made(self, *args)
        # A staging column of eight-byte timestamps where four-byte integers come.
        self.record_columns = self.record_columns.replace(
            "duration_mins", "now() AS duration_mins"
        )

    monkeypatch.setattr(staging.PostgresStager, "__init__", skewed)
    engine = create_database_engine(postgres_url)
    services.init_db(uow=SqlAlchemyUnitOfWork(engine))
    path = records.write_csv(tmp_path / "m.csv", "movie", [records.movie()])

    with pytest.raises(DatabaseError, match="^database: .*data") as refused:
        load(engine, path)
    engine.dispose()

    assert "\n" not in str(refused.value)


@pytest.mark.postgres
def test_a_unit_of_work_whose_connection_died_says_so_when_it_ends(
    postgres_url: str, postgres_server: Engine
) -> None:
    from strider_challenge.adapters.database import create_database_engine
    from strider_challenge.domain.errors import DatabaseError
    from strider_challenge.service_layer.read_only import (
        SqlAlchemyReadOnlyUnitOfWork,
    )

    engine = create_database_engine(postgres_url)

    def kill(uow: Any) -> None:
        pid = uow.connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with postgres_server.connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

    with pytest.raises(DatabaseError, match="^database: "):
        with SqlAlchemyUnitOfWork(engine) as uow:
            kill(uow)  # and leave without committing: the rollback fails
    with SqlAlchemyReadOnlyUnitOfWork(engine) as reading:
        kill(reading)  # nothing to undo: leaving is not an error
    engine.dispose()


@pytest.mark.postgres
def test_a_repeat_in_a_trusted_first_load_is_found_and_the_plan_runs_again(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from strider_challenge.adapters import merge_plan, merging
    from strider_challenge.adapters.database import create_database_engine

    plans: list[bool] = []
    planned = merge_plan.merge_plan

    def recorded(*args: Any, **flags: Any) -> Any:
        plans.append(flags["trust_fresh_keys"])
        return planned(*args, **flags)

    monkeypatch.setattr(merging, "merge_plan", recorded)
    engine = create_database_engine(postgres_url)
    services.init_db(uow=SqlAlchemyUnitOfWork(engine))
    once = records.write_csv(tmp_path / "a.csv", "movie", movies(("A", 1), ("B", 1)))
    twice = records.write_csv(tmp_path / "b.csv", "movie", movies(("C", 1), ("C", 2)))
    other = services.load(
        dataset=get_dataset("movie"),
        collector=CsvCollector(once),
        uow=SqlAlchemyUnitOfWork(engine),
    )
    repeated = services.load(
        dataset=get_dataset("user"),
        collector=CsvCollector(
            records.write_csv(
                tmp_path / "u.csv",
                "user",
                [records.user("a@x.io"), records.user("a@x.io", first_name="Z")],
            )
        ),
        uow=SqlAlchemyUnitOfWork(engine),
    )
    third = load(engine, twice, mode="incremental")
    engine.dispose()

    assert other.counts == MergeCounts(inserted=2)
    assert repeated.counts == MergeCounts(inserted=1, duplicates=1)
    assert third.counts == MergeCounts(inserted=1, duplicates=1)
    assert plans == [True, True, False, True]
    assert sizes(engine) == {"A": 1, "B": 1, "C": 2}


@pytest.mark.postgres
def test_another_integrity_error_in_the_trusted_plan_is_not_retried(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from strider_challenge.adapters import merge_plan, merging
    from strider_challenge.adapters.database import create_database_engine
    from strider_challenge.domain.errors import DatabaseError

    plans: list[bool] = []

    def broken(*args: Any, **flags: Any) -> tuple[Any, ...]:
        plans.append(flags["trust_fresh_keys"])
        return (merge_plan.Step("INSERT INTO movie (title) VALUES (NULL)"),)

    monkeypatch.setattr(merging, "merge_plan", broken)
    engine = create_database_engine(postgres_url)
    services.init_db(uow=SqlAlchemyUnitOfWork(engine))
    path = records.write_csv(tmp_path / "m.csv", "movie", [records.movie()])

    with pytest.raises(DatabaseError, match="null value"):
        load(engine, path)
    engine.dispose()

    assert plans == [True]
    assert rows(engine, "SELECT count(*) FROM load_run WHERE status = 'succeeded'") == [
        (0,)
    ]


def test_a_failed_attempt_s_error_is_stored_without_its_secrets(db: Engine) -> None:
    from datetime import datetime, timezone

    from strider_challenge.adapters.ledger import LedgerRepository
    from strider_challenge.domain.ledger import LoadRun

    message = (
        "cannot read https://vendor:S3cr3tPW@files.example.com/m.csv?token=abc123: "
        "connection refused"
    )
    attempt = LoadRun(
        model="movie",
        source="https://files.example.com/m.csv",
        started_at=datetime(2021, 12, 1, tzinfo=timezone.utc),
        status="failed",
        error=message,
    )

    with db.begin() as connection:
        run_id = LedgerRepository(connection).record(attempt)
        silent = LedgerRepository(connection).record(
            attempt.model_copy(update={"error": None})
        )

    (stored,) = rows(db, f"SELECT error FROM load_run WHERE id = {run_id}")
    assert "S3cr3tPW" not in stored[0] and "abc123" not in stored[0]
    assert stored[0].endswith("m.csv?token=***: connection refused")
    assert rows(db, f"SELECT error FROM load_run WHERE id = {silent}") == [(None,)]
