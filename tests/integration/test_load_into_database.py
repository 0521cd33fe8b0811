"""The load service against real SQLite and PostgreSQL databases."""

import gzip
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, text
from sqlmodel import Session, select

from strider_challenge.adapters.collectors import CsvCollector, JsonCollector
from strider_challenge.domain.datasets import get_dataset
from strider_challenge.domain.errors import SourceError
from strider_challenge.domain.model import Author, Movie, Review, Stream
from strider_challenge.domain.results import MergeCounts
from strider_challenge.service_layer import services
from strider_challenge.service_layer.unit_of_work import SqlAlchemyUnitOfWork
from tests import records


@pytest.fixture
def db(engine: Engine) -> Engine:
    services.init_db(uow=SqlAlchemyUnitOfWork(engine))
    return engine


def load_csv(engine: Engine, path: Path, model: str) -> services.LoadReport:
    return services.load(
        dataset=get_dataset(model),
        collector=CsvCollector(path),
        uow=SqlAlchemyUnitOfWork(engine),
    )


def load_json(
    engine: Engine, path: Path, model: str, force: bool = False
) -> services.LoadReport:
    return services.load(
        dataset=get_dataset(model),
        collector=JsonCollector(path),
        uow=SqlAlchemyUnitOfWork(engine),
        force=force,
        as_of=AS_OF,
    )


AS_OF = datetime(2021, 12, 2, 2, tzinfo=timezone.utc)


def count(engine: Engine, table: str) -> int:
    quoted = engine.dialect.identifier_preparer.quote(table)
    with engine.connect() as connection:
        return int(connection.execute(text(f"SELECT count(*) FROM {quoted}")).one()[0])


def test_init_db_creates_the_analysts_tables_and_is_idempotent(db: Engine) -> None:
    services.init_db(uow=SqlAlchemyUnitOfWork(db))

    tables = set(inspect(db).get_table_names())
    assert {"movie", "user", "stream", "author", "book", "review"} <= tables


def test_upsert_counts_inserts_updates_unchanged_and_duplicates(
    db: Engine, tmp_path: Path
) -> None:
    first = records.write_csv(
        tmp_path / "a.csv", "movie", [records.movie("A"), records.movie("B")]
    )
    second = records.write_csv(
        tmp_path / "b.csv",
        "movie",
        [
            records.movie("A"),
            records.movie("B", size_mb="1"),
            records.movie("C", size_mb="1"),
            records.movie("C", size_mb="2"),
        ],
    )

    assert load_csv(db, first, "movie").counts == MergeCounts(inserted=2)
    report = load_csv(db, second, "movie")

    assert report.counts == MergeCounts(
        inserted=1, updated=1, unchanged=1, duplicates=1
    )
    with Session(db) as session:
        sizes = {m.title: m.size_mb for m in session.exec(select(Movie))}
    assert sizes == {"A": 1100, "B": 1, "C": 2}


def test_replaying_the_same_dump_changes_nothing(db: Engine, tmp_path: Path) -> None:
    path = records.write_json(
        tmp_path / "reviews.json",
        [records.review(), records.review(created="2021-12-03T00:00:00.000+0100")],
    )
    load_json(db, path, "review")
    with Session(db) as session:
        before = [r.model_dump() for r in session.exec(select(Review))]

    report = load_json(db, path, "review", force=True)

    assert report.counts == MergeCounts(unchanged=2)
    with Session(db) as session:
        assert [r.model_dump() for r in session.exec(select(Review))] == before


def test_values_round_trip_with_their_types(db: Engine, tmp_path: Path) -> None:
    awkward = 'Tab\there, new\nline, back\\slash, quote" and Amélie'
    load_csv(
        db,
        records.write_csv(
            tmp_path / "s.csv", "stream", [records.stream(movie_title=awkward)]
        ),
        "stream",
    )
    load_json(db, records.write_json(tmp_path / "a.json", [records.author()]), "author")

    with Session(db) as session:
        stream = session.exec(select(Stream)).one()
        author = session.exec(select(Author)).one()
    assert stream.movie_title == awkward
    assert stream.start_at == datetime(2021, 12, 25, 5, 30, tzinfo=timezone.utc)
    assert stream.start_at.tzinfo == timezone.utc
    assert stream.size_mb == 613.4245936603365
    assert author.birth_date == date(1956, 5, 7)
    assert author.nationalities == [{"slug": "singaporeans", "label": "Singaporeans"}]


def test_nulls_and_strings_that_look_like_them_stay_apart(
    db: Engine, tmp_path: Path
) -> None:
    books = [
        records.book("Commas, quotes and \\.", author=None, publisher="null"),
        records.book("null", author="", publisher=" NULL "),
        records.book("\\.", pages=None, author="N", publisher=None),
    ]
    load_json(db, records.write_json(tmp_path / "b.json", books), "book")

    with db.connect() as connection:
        stored = connection.execute(
            text("SELECT title, pages, author, publisher FROM book")
        ).all()
    assert sorted(tuple(row) for row in stored) == [
        ("Commas, quotes and \\.", 320, None, "null"),
        ("\\.", None, "N", None),
        ("null", 320, "", " NULL "),
    ]


def test_the_same_instant_in_another_offset_is_the_same_stream(
    db: Engine, tmp_path: Path
) -> None:
    path = records.write_csv(
        tmp_path / "s.csv",
        "stream",
        [
            records.stream("2021-12-25T06:30:00.000+0100", size_mb="1.0"),
            records.stream("2021-12-25T05:30:00.000+0000", size_mb="2.0"),
        ],
    )

    report = load_csv(db, path, "stream")

    assert report.counts == MergeCounts(inserted=1, duplicates=1)
    assert count(db, "stream") == 1


def test_instants_sort_as_time_across_offsets(db: Engine, tmp_path: Path) -> None:
    path = records.write_csv(
        tmp_path / "s.csv",
        "stream",
        [
            records.stream("2021-12-25T00:30:00.000+0100", user_email="late-local"),
            records.stream("2021-12-24T23:45:00.000+0000", user_email="early-utc"),
        ],
    )
    load_csv(db, path, "stream")

    with db.connect() as connection:
        order = connection.execute(
            text("SELECT user_email FROM stream ORDER BY start_at")
        ).all()
    assert [row[0] for row in order] == ["late-local", "early-utc"]


def test_a_source_that_breaks_halfway_leaves_the_table_as_it_was(
    db: Engine, tmp_path: Path
) -> None:
    load_csv(
        db,
        records.write_csv(tmp_path / "m.csv", "movie", [records.movie("Kept")]),
        "movie",
    )
    plain = records.write_csv(
        tmp_path / "new.csv", "movie", [records.movie(f"New {i}") for i in range(99)]
    )
    packed = gzip.compress(plain.read_bytes())
    broken = tmp_path / "broken.csv.gz"
    broken.write_bytes(packed[: len(packed) // 2])

    with pytest.raises(SourceError, match="not a valid gzip file"):
        load_csv(db, broken, "movie")

    with Session(db) as session:
        assert [m.title for m in session.exec(select(Movie))] == ["Kept"]


def test_a_failure_after_the_merge_rolls_everything_back(
    db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from strider_challenge.adapters.merging import Merger

    path = records.write_csv(
        tmp_path / "m.csv",
        "movie",
        [records.movie("A"), records.movie("B", size_mb="x")],
    )
    merge = Merger.merge
    merged: list[int] = []

    def merge_then_fail(self: Merger, staged: int, **options: Any) -> MergeCounts:
        counts = merge(self, staged, **options)
        merged.append(counts.inserted)
        raise RuntimeError("disk full")

    monkeypatch.setattr(Merger, "merge", merge_then_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        load_csv(db, path, "movie")

    assert merged == [1]  # the merge did write the row...
    assert count(db, "movie") == 0  # ... and it was rolled back,
    assert count(db, "load_run") == count(db, "rejected_record") == 0  # with the rest


#: A trigger that refuses every new movie, the same way on both databases.
REFUSE_MOVIES = {
    "sqlite": [
        "CREATE TRIGGER refuse BEFORE INSERT ON movie"
        " BEGIN SELECT RAISE(ABORT, 'movies are refused'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql"
        " AS $$ BEGIN RAISE EXCEPTION 'movies are refused'; END $$",
        "CREATE TRIGGER refuse BEFORE INSERT ON movie"
        " FOR EACH ROW EXECUTE FUNCTION refuse()",
    ],
}


def test_a_value_the_database_refuses_is_a_clean_error_and_leaves_nothing(
    db: Engine, tmp_path: Path
) -> None:
    from strider_challenge.domain.errors import DatabaseError

    with db.begin() as connection:
        for statement in REFUSE_MOVIES[db.dialect.name]:
            connection.exec_driver_sql(statement)
    path = records.write_csv(
        tmp_path / "m.csv",
        "movie",
        [records.movie("A"), records.movie("B", size_mb="x")],
    )

    with pytest.raises(DatabaseError, match="^database: .*movies are refused") as error:
        load_csv(db, path, "movie")

    assert error.value.__cause__ is None and error.value.__suppress_context__
    assert count(db, "movie") == count(db, "rejected_record") == 0
    with db.connect() as connection:
        failed = connection.execute(
            text("SELECT status, rows_read, rejected, error FROM load_run")
        ).all()
    assert [(s, r, j) for s, r, j, _ in failed] == [("failed", 0, 0)]
    assert failed[0][3] == str(error.value)
