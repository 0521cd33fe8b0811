from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from typing import Any

import pytest

from strider_challenge.adapters.collectors import RawBatch, Records
from strider_challenge.domain.errors import SourceError
from strider_challenge.service_layer import dumps
from tests import records
from tests.unit.test_services import FakeUnitOfWork, ListCollector, numbered

#: One valid record of each model, by the file that holds it.
GOOD = {
    "internal/movies.csv": [records.movie()],
    "internal/users.csv": [records.user()],
    "internal/streams.csv": [records.stream()],
    "vendor/authors.json": [records.author()],
    "vendor/books.json": [records.book()],
    "vendor/reviews.json": [records.review()],
}


class BrokenCollector:
    source = "broken"
    sha256 = ""
    position_unit = "line"

    def batches(self) -> Iterator[RawBatch]:
        yield Records(numbered(records.user()))
        raise SourceError("broken is not valid CSV: unexpected end of data")

    def sha256_upfront(self) -> str | None:
        return None


class FakeDump:
    source = "ftp://u@h/dump"

    def __init__(self, files: Mapping[str, list[dict[str, Any]] | None]) -> None:
        self.files = files
        self.asked: list[str] = []

    def has(self, name: str) -> bool:
        self.asked.append(name)
        return name in self.files

    def collector(self, name: str) -> Any:
        content = self.files[name]
        if content is None:
            return BrokenCollector()
        return ListCollector(numbered(*content), source=f"{self.source}/{name}")


def statuses(report: dumps.DumpReport) -> list[tuple[str, str, str]]:
    return [(r.model, r.file, r.status) for r in report.files]


def test_every_file_loads_in_order_each_in_its_own_transaction() -> None:
    uow = FakeUnitOfWork()

    report = dumps.load_dump(dump=FakeDump(dict(GOOD)), uow=uow)

    assert statuses(report) == [
        (model, name, "loaded") for model, name in dumps.DUMP_FILES
    ]
    assert [run.model for run in uow.runs.values()] == [m for m, _ in dumps.DUMP_FILES]
    assert all(len(uow.tables[model]) == 1 for model, _ in dumps.DUMP_FILES)
    assert report.source == "ftp://u@h/dump" and report.failed == []
    assert all(r.report is not None and r.report.rows_read == 1 for r in report.files)


def test_every_file_is_effective_at_the_given_as_of() -> None:
    uow = FakeUnitOfWork()
    as_of = datetime(2021, 12, 2, 1, 0, tzinfo=timezone.utc)

    dumps.load_dump(dump=FakeDump(dict(GOOD)), uow=uow, as_of=as_of)

    assert [(model, at) for model, at, _ in uow.merges] == [
        (model, as_of) for model, _ in dumps.DUMP_FILES
    ]
    assert {run.as_of for run in uow.runs.values()} == {as_of}


def test_a_gzipped_file_is_used_when_the_plain_one_is_absent() -> None:
    files = dict(GOOD)
    files["vendor/books.json.gz"] = files.pop("vendor/books.json")
    dump = FakeDump(files)

    report = dumps.load_dump(dump=dump, uow=FakeUnitOfWork())

    assert ("book", "vendor/books.json.gz", "loaded") in statuses(report)
    assert dump.asked.count("internal/movies.csv.gz") == 0  # plain found first


def test_absent_files_are_reported_and_the_others_loaded() -> None:
    files = dict(GOOD)
    del files["internal/streams.csv"], files["vendor/reviews.json"]
    uow = FakeUnitOfWork()

    report = dumps.load_dump(dump=FakeDump(files), uow=uow)

    assert [r.status for r in report.files] == [
        "loaded",
        "loaded",
        "absent",
        "loaded",
        "loaded",
        "absent",
    ]
    assert report.files[2].file == "internal/streams.csv"
    assert report.files[2].report is None
    assert len(uow.runs) == 4


def test_strict_loads_nothing_from_an_incomplete_dump() -> None:
    files = dict(GOOD)
    del files["vendor/reviews.json"]
    uow = FakeUnitOfWork()

    with pytest.raises(SourceError) as raised:
        dumps.load_dump(dump=FakeDump(files), uow=uow, strict=True)

    assert str(raised.value) == (
        "ftp://u@h/dump lacks vendor/reviews.json (nor .gz): --strict loads nothing "
        "from an incomplete dump"
    )
    assert uow.runs == {} and uow.tables == {}


def test_a_dump_with_none_of_the_files_is_an_error() -> None:
    with pytest.raises(SourceError, match="^ftp://u@h/dump has none of the dump's"):
        dumps.load_dump(dump=FakeDump({}), uow=FakeUnitOfWork())


def test_a_failed_file_is_rolled_back_and_the_others_still_load() -> None:
    files: dict[str, list[dict[str, Any]] | None] = dict(GOOD)
    files["internal/users.csv"] = None
    uow = FakeUnitOfWork()

    report = dumps.load_dump(dump=FakeDump(files), uow=uow)

    assert [r.status for r in report.files] == ["loaded", "failed"] + ["loaded"] * 4
    (failed,) = report.failed
    assert failed.error == "broken is not valid CSV: unexpected end of data"
    assert "user" not in uow.tables and len(uow.runs) == 6
    assert [r.status for r in uow.runs.values()].count("failed") == 1


def test_strict_stops_at_the_first_failure() -> None:
    files: dict[str, list[dict[str, Any]] | None] = dict(GOOD)
    files["internal/users.csv"] = None
    uow = FakeUnitOfWork()

    report = dumps.load_dump(dump=FakeDump(files), uow=uow, strict=True)

    assert [r.status for r in report.files] == ["loaded", "failed"] + ["not run"] * 4
    assert [(r.model, r.status) for r in uow.runs.values()] == [
        ("movie", "succeeded"),
        ("user", "failed"),
    ]


def test_too_many_rejects_fail_the_file() -> None:
    files = dict(GOOD)
    files["vendor/authors.json"] = [records.author(), records.author(None)]

    report = dumps.load_dump(dump=FakeDump(files), uow=FakeUnitOfWork(), max_rejects=0)

    (failed,) = report.failed
    assert failed.model == "author"
    assert failed.error is not None and failed.error.startswith("more than 0 record")


def test_a_second_run_skips_what_was_loaded_unless_forced() -> None:
    uow = FakeUnitOfWork()
    dumps.load_dump(dump=FakeDump(dict(GOOD)), uow=uow)

    again = dumps.load_dump(dump=FakeDump(dict(GOOD)), uow=uow)
    forced = dumps.load_dump(dump=FakeDump(dict(GOOD)), uow=uow, force=True)

    assert {r.status for r in again.files} == {"skipped"}
    assert again.files[0].report is not None
    assert again.files[0].report.skipped_as == 1
    assert {r.status for r in forced.files} == {"loaded"}


def test_a_database_error_fails_its_file_and_the_others_still_load(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from strider_challenge.domain.errors import DatabaseError
    from strider_challenge.service_layer import services

    real_load = services.load

    def load(**kwargs: Any) -> Any:
        if kwargs["dataset"].name == "stream":  # as the unit of work reports it
            raise DatabaseError("database: lock timeout")
        return real_load(**kwargs)

    monkeypatch.setattr(services, "load", load)

    report = dumps.load_dump(dump=FakeDump(dict(GOOD)), uow=FakeUnitOfWork())

    failed = [r for r in report.files if r.status == dumps.FAILED]
    assert [(r.model, r.error) for r in failed] == [
        ("stream", "database: lock timeout")
    ]
    assert sum(r.status == dumps.LOADED for r in report.files) == 5
