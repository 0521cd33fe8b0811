"""Streams by day: new days fill new partitions, known days merge, on both databases.

SQLite has no partitions: the same loads must count and store the same there.
"""

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from strider_challenge.adapters.collectors import CsvCollector
from strider_challenge.domain.datasets import get_dataset
from strider_challenge.domain.results import MergeCounts
from strider_challenge.service_layer import services
from strider_challenge.service_layer.unit_of_work import SqlAlchemyUnitOfWork
from tests import records


@pytest.fixture
def db(engine: Engine) -> Engine:
    services.init_db(uow=SqlAlchemyUnitOfWork(engine))
    return engine


def stream(day: int, hour: int = 10, **overrides: Any) -> dict[str, Any]:
    """A stream starting on a December day (UTC, +01:00 written)."""
    start = f"2021-12-{day:02d}T{hour:02d}:00:00.000+0100"
    end = f"2021-12-{day:02d}T{hour + 1:02d}:00:00.000+0100"
    return records.stream(start, **{"end_at": end, **overrides})


def load(db: Engine, tmp_path: Path, name: str, rows: list[Any], **options: Any) -> Any:
    path = records.write_csv(tmp_path / f"{name}.csv", "stream", rows)
    return services.load(
        dataset=get_dataset("stream"),
        collector=CsvCollector(path),
        uow=SqlAlchemyUnitOfWork(db),
        as_of=options.pop("as_of", None),
        **options,
    )


def query(db: Engine, sql: str) -> list[tuple[Any, ...]]:
    with db.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql))]


def partitions(db: Engine) -> dict[str, int]:
    """Each partition of `stream` and how many indexes it has (PostgreSQL)."""
    if db.dialect.name != "postgresql":
        return {}
    found = query(
        db,
        "SELECT c.relname, (SELECT count(*) FROM pg_index WHERE indrelid = c.oid)"
        " FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid"
        " WHERE i.inhparent = 'stream'::regclass ORDER BY c.relname",
    )
    return {str(name): int(indexes) for name, indexes in found}


def sizes(db: Engine) -> dict[str, float]:
    rows = query(db, "SELECT user_email, size_mb FROM stream ORDER BY user_email")
    return {str(email): float(size) for email, size in rows}


def test_each_day_of_a_first_load_gets_a_partition_with_its_indexes(
    db: Engine, tmp_path: Path
) -> None:
    rows = [stream(25, user_email="a"), stream(26, user_email="b")]
    rows += [stream(26, 22, user_email="c"), stream(25, user_email="a", size_mb="2")]

    report = load(db, tmp_path, "first", rows)

    assert report.counts == MergeCounts(inserted=3, duplicates=1)
    assert sizes(db) == {"a": 2.0, "b": 613.4245936603365, "c": 613.4245936603365}
    if db.dialect.name == "postgresql":
        # 22:00 +01:00 on the 26th is 21:00 UTC: partitions are UTC days.
        assert partitions(db) == {"stream_2021_12_25": 2, "stream_2021_12_26": 2}
        assert query(db, "SELECT to_regclass('_loading_stream')") == [(None,)]


def test_a_night_with_new_and_known_days_fills_the_one_and_merges_the_other(
    db: Engine, tmp_path: Path
) -> None:
    load(
        db, tmp_path, "night1", [stream(25, user_email="a"), stream(26, user_email="b")]
    )

    report = load(
        db,
        tmp_path,
        "night2",
        [
            stream(26, user_email="b", size_mb="9"),  # known day, changed
            stream(26, 12, user_email="c"),  # known day, new
            stream(27, user_email="d"),  # new day
            stream(27, user_email="d"),  # new day, twice
            stream(28, user_email="e"),  # new day
        ],
    )

    assert report.counts == MergeCounts(inserted=3, updated=1, duplicates=1)
    assert sizes(db) == {
        "a": 613.4245936603365,
        "b": 9.0,
        "c": 613.4245936603365,
        "d": 613.4245936603365,
        "e": 613.4245936603365,
    }
    assert query(db, "SELECT user_email, size_mb FROM stream_history") == [
        ("b", 613.4245936603365)
    ]
    if db.dialect.name == "postgresql":
        assert partitions(db) == {
            f"stream_2021_12_{day}": 2 for day in ("25", "26", "27", "28")
        }
        with pytest.raises(Exception, match="(?i)duplicate key"):  # keys still hold
            with db.begin() as connection:
                connection.execute(
                    text("INSERT INTO stream SELECT * FROM stream_2021_12_27")
                )


def test_a_full_dump_of_streams_marks_the_absent_of_every_day(
    db: Engine, tmp_path: Path
) -> None:
    load(
        db, tmp_path, "night1", [stream(25, user_email="a"), stream(26, user_email="b")]
    )

    report = load(
        db, tmp_path, "night2", [stream(26, user_email="b"), stream(28)], mode="full"
    )

    assert report.counts == MergeCounts(inserted=1, unchanged=1, deleted=1)
    assert query(db, "SELECT user_email FROM stream WHERE deleted_at IS NOT NULL") == [
        ("a",)
    ]


@pytest.mark.postgres
def test_an_empty_partition_made_beforehand_is_replaced_by_a_first_load(
    postgres_url: str, tmp_path: Path
) -> None:
    from strider_challenge.adapters.database import create_database_engine

    db = create_database_engine(postgres_url)
    services.init_db(uow=SqlAlchemyUnitOfWork(db))
    with db.begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE stream_2021_12_25 PARTITION OF stream FOR VALUES FROM"
                " ('2021-12-25 00:00+00') TO ('2021-12-26 00:00+00')"
            )
        )

    report = load(db, tmp_path, "first", [stream(25), stream(26)])

    assert report.counts == MergeCounts(inserted=2)
    assert partitions(db) == {"stream_2021_12_25": 2, "stream_2021_12_26": 2}
    db.dispose()


@pytest.mark.postgres
def test_a_default_partition_made_by_hand_is_left_alone(
    postgres_url: str, tmp_path: Path
) -> None:
    from strider_challenge.adapters.database import create_database_engine

    db = create_database_engine(postgres_url)
    services.init_db(uow=SqlAlchemyUnitOfWork(db))
    with db.begin() as connection:
        connection.execute(text("CREATE TABLE stream_rest PARTITION OF stream DEFAULT"))

    load(db, tmp_path, "first", [stream(25)])
    report = load(db, tmp_path, "second", [stream(26), stream(25, 12)])

    assert report.counts == MergeCounts(inserted=2)
    assert partitions(db) == {
        "stream_2021_12_25": 2,
        "stream_2021_12_26": 2,
        "stream_rest": 2,
    }
    assert query(db, "SELECT count(*) FROM stream_rest") == [(0,)]
    db.dispose()
