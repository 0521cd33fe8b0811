"""Full dumps over days: soft deletes, versions and the ledger, on both databases."""

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, bindparam, text

from strider_challenge.adapters.collectors import CsvCollector, JsonCollector
from strider_challenge.domain.columns import Instant
from strider_challenge.domain.datasets import get_dataset
from strider_challenge.domain.errors import OutOfOrderError
from strider_challenge.domain.results import MergeCounts
from strider_challenge.service_layer import services
from strider_challenge.service_layer.unit_of_work import SqlAlchemyUnitOfWork
from tests import records

UTC = timezone.utc
DAY1 = datetime(2021, 12, 1, 2, tzinfo=UTC)
DAY2 = DAY1 + timedelta(days=1)
DAY3 = DAY2 + timedelta(days=1)


@pytest.fixture
def db(engine: Engine) -> Engine:
    services.init_db(uow=SqlAlchemyUnitOfWork(engine))
    return engine


def book(title: str, publisher: str = "Pan", author: str = "Ada Writer") -> Any:
    return records.book(title, publisher=publisher, author=author)


def load_books(
    db: Engine, tmp_path: Path, name: str, books: list[Any], as_of: datetime, **kw: Any
) -> services.LoadReport:
    path = records.write_json(tmp_path / f"{name}.json", books)
    return services.load(
        dataset=get_dataset("book"),
        collector=JsonCollector(path),
        uow=SqlAlchemyUnitOfWork(db),
        as_of=as_of,
        **kw,
    )


def query(db: Engine, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    statement = text(sql).bindparams(
        *(bindparam(name, type_=Instant()) for name in params if name == "at")
    )
    with db.connect() as connection:
        return [tuple(row) for row in connection.execute(statement, params)]


def current(db: Engine) -> dict[str, tuple[Any, ...]]:
    rows = query(
        db,
        "SELECT title, publisher, author, first_seen_at, last_seen_at, deleted_at "
        "FROM book",
    )
    return {row[0]: tuple(_utc(v) for v in row[1:]) for row in rows}


def history(db: Engine, table: str = "book_versions") -> list[tuple[Any, ...]]:
    """Every version of every book (the view), or those that ended (the table)."""
    rows = query(
        db,
        f"SELECT title, publisher, author, valid_from, valid_to FROM {table} "
        "ORDER BY title, valid_from",
    )
    return [tuple(_utc(v) for v in row) for row in rows]


def ended(db: Engine) -> list[tuple[Any, ...]]:
    """`book_history`, which holds exactly the versions that ended."""
    kept = history(db, "book_history")
    assert kept == [row for row in history(db) if row[4] is not None]
    return kept


def _utc(value: Any) -> Any:
    """Instants as aware UTC datetimes, whichever database returned them."""
    if isinstance(value, str) and value.endswith("+00:00"):
        return datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return value


def ledger(db: Engine) -> list[tuple[Any, ...]]:
    return query(
        db,
        "SELECT mode, inserted, updated, unchanged, deleted, undeleted, duplicates "
        "FROM load_run WHERE status = 'succeeded' ORDER BY id",
    )


DAY1_BOOKS = [book("A"), book("B"), book("C"), book("E")]
# A: whitespace inside a value; B: letter case only; C: gone; D: new; E: the same.
DAY2_BOOKS = [book("A", author="Ada  Writer"), book("B", "PAN"), book("D"), book("E")]
DAY3_BOOKS = [*DAY2_BOOKS, book("C")]


def test_three_days_of_full_dumps_then_replays(db: Engine, tmp_path: Path) -> None:
    load_books(db, tmp_path, "day1", DAY1_BOOKS, DAY1)
    assert current(db) == {
        title: ("Pan", "Ada Writer", DAY1, DAY1, None) for title in "ABCE"
    }
    assert history(db) == [(t, "Pan", "Ada Writer", DAY1, None) for t in "ABCE"]
    assert ended(db) == []

    day2 = load_books(db, tmp_path, "day2", DAY2_BOOKS, DAY2)
    assert day2.counts == MergeCounts(inserted=1, updated=2, unchanged=1, deleted=1)
    assert current(db) == {
        "A": ("Pan", "Ada  Writer", DAY1, DAY2, None),
        "B": ("PAN", "Ada Writer", DAY1, DAY2, None),
        "C": ("Pan", "Ada Writer", DAY1, DAY1, DAY2),
        "D": ("Pan", "Ada Writer", DAY2, DAY2, None),
        "E": ("Pan", "Ada Writer", DAY1, DAY2, None),
    }
    assert history(db) == [
        ("A", "Pan", "Ada Writer", DAY1, DAY2),
        ("A", "Pan", "Ada  Writer", DAY2, None),
        ("B", "Pan", "Ada Writer", DAY1, DAY2),
        ("B", "PAN", "Ada Writer", DAY2, None),
        ("C", "Pan", "Ada Writer", DAY1, DAY2),
        ("D", "Pan", "Ada Writer", DAY2, None),
        ("E", "Pan", "Ada Writer", DAY1, None),
    ]
    assert len(ended(db)) == 3

    day3 = load_books(db, tmp_path, "day3", DAY3_BOOKS, DAY3)
    assert day3.counts == MergeCounts(updated=1, unchanged=4, undeleted=1)
    assert current(db)["C"] == ("Pan", "Ada Writer", DAY1, DAY3, None)
    assert {t: row[3] for t, row in current(db).items()} == dict.fromkeys("ABCDE", DAY3)
    assert [row for row in history(db) if row[0] == "C"] == [
        ("C", "Pan", "Ada Writer", DAY1, DAY2),
        ("C", "Pan", "Ada Writer", DAY3, None),
    ]
    assert len(history(db)) == 8
    assert len(ended(db)) == 3
    settled = (current(db), history(db), ended(db))

    replay3 = load_books(db, tmp_path, "day3", DAY3_BOOKS, DAY3, force=True)
    replay2 = load_books(db, tmp_path, "day2", DAY2_BOOKS, DAY2)
    with pytest.raises(OutOfOrderError, match="older than the one already loaded"):
        load_books(db, tmp_path, "day2-edited", [*DAY2_BOOKS, book("F")], DAY2)

    assert replay3.counts == MergeCounts(unchanged=5)
    assert replay2.skipped_as == day2.run_id
    assert [status for (status,) in query(db, "SELECT status FROM load_run")][-2:] == [
        "skipped",
        "failed",
    ]
    assert (current(db), history(db), ended(db)) == settled
    assert ledger(db) == [
        ("full", 4, 0, 0, 0, 0, 0),
        ("full", 1, 2, 1, 1, 0, 0),
        ("full", 0, 1, 4, 0, 1, 0),
        ("full", 0, 0, 5, 0, 0, 0),
    ]


def test_a_forced_older_dump_is_a_correction_at_the_newest_time(
    db: Engine, tmp_path: Path
) -> None:
    load_books(db, tmp_path, "day1", DAY1_BOOKS, DAY1)
    load_books(db, tmp_path, "day3", DAY3_BOOKS, DAY3)

    late = load_books(db, tmp_path, "day2", [book("A", "Late")], DAY2, force=True)

    assert late.counts == MergeCounts(updated=1, deleted=4)
    assert current(db)["A"] == ("Late", "Ada Writer", DAY1, DAY3, None)
    periods = [(row[3], row[4]) for row in history(db)]
    assert all(end is None or start < end for start, end in periods)
    assert ended(db)


def test_the_vendor_s_word_on_a_date_is_one_plain_query(
    db: Engine, tmp_path: Path
) -> None:
    load_books(db, tmp_path, "day1", DAY1_BOOKS, DAY1)
    load_books(db, tmp_path, "day2", DAY2_BOOKS, DAY2)
    load_books(db, tmp_path, "day3", DAY3_BOOKS, DAY3)
    sql = (
        "SELECT title, publisher FROM book_versions WHERE title = :title"
        " AND valid_from <= :at AND (valid_to IS NULL OR valid_to > :at)"
    )

    said = {
        day: query(db, sql, title="B", at=day + timedelta(hours=1))
        for day in (DAY1, DAY2, DAY3)
    }
    c_on_day2 = query(db, sql, title="C", at=DAY2 + timedelta(hours=1))

    assert said == {DAY1: [("B", "Pan")], DAY2: [("B", "PAN")], DAY3: [("B", "PAN")]}
    assert c_on_day2 == []


def test_nationality_order_alone_is_not_a_change(db: Engine, tmp_path: Path) -> None:
    first = records.author("Ada")
    swapped = records.author("Ada", nationalities=first["nationalities"][::-1])
    for day, record in ((DAY1, first), (DAY2, swapped)):
        path = records.write_json(tmp_path / f"{day.day}.json", [record])
        report = services.load(
            dataset=get_dataset("author"),
            collector=JsonCollector(path),
            uow=SqlAlchemyUnitOfWork(db),
            as_of=day,
        )

    assert report.counts == MergeCounts(unchanged=1)
    assert query(db, "SELECT count(*) FROM author_history") == [(0,)]
    assert query(db, "SELECT count(*) FROM author_versions") == [(1,)]


def test_incremental_loads_never_delete(db: Engine, tmp_path: Path) -> None:
    first = records.stream("2021-12-25T06:30:00.000+0100")
    second = records.stream(
        "2021-12-26T06:30:00.000+0100", end_at="2021-12-26T08:00:00.000+0100"
    )
    for day, rows in ((DAY1, [first, second]), (DAY2, [second])):
        path = records.write_csv(tmp_path / f"{day.day}.csv", "stream", rows)
        report = services.load(
            dataset=get_dataset("stream"),
            collector=CsvCollector(path),
            uow=SqlAlchemyUnitOfWork(db),
            as_of=day,
        )

    assert report.counts == MergeCounts(unchanged=1)
    assert query(db, "SELECT count(*), count(deleted_at) FROM stream") == [(2, 0)]
    assert ledger(db)[-1][0] == "incremental"
