import hashlib
from pathlib import Path

import pytest

from strider_challenge.adapters.collectors import (
    CsvCollector,
    JsonCollector,
    SourceRecord,
)
from strider_challenge.domain.errors import ShapeError, SourceError
from tests import records


def test_csv_yields_dicts_with_the_line_where_each_record_starts(
    tmp_path: Path,
) -> None:
    path = tmp_path / "movies.csv"
    path.write_text(
        'title,duration_mins\nA,1\n"Two\nLines",2\n\nC,3\n', encoding="utf-8"
    )

    got = list(CsvCollector(path).records())

    assert [(r.position, r.fields) for r in got] == [
        (2, {"title": "A", "duration_mins": "1"}),
        (3, {"title": "Two\nLines", "duration_mins": "2"}),
        (6, {"title": "C", "duration_mins": "3"}),
    ]
    assert all(r.problem is None for r in got)


def test_csv_row_of_the_wrong_width_carries_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "users.csv"
    path.write_text("a,b\n1,2,3\n", encoding="utf-8")

    (record,) = CsvCollector(path).records()

    assert record.problem == "3 fields where the header has 2"


def test_csv_accepts_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "users.csv"
    path.write_bytes("\ufeffemail\nx@y.z\n".encode("utf-8"))

    (record,) = CsvCollector(path).records()

    assert record.fields == {"email": "x@y.z"}


def test_empty_csv_is_a_shape_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("", encoding="utf-8")

    with pytest.raises(ShapeError, match="needs a header"):
        list(CsvCollector(path).records())


def test_csv_that_is_not_utf8_is_a_source_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"title\nCaf\xe9\n")

    with pytest.raises(SourceError, match="not valid CSV"):
        list(CsvCollector(path).records())


@pytest.mark.parametrize("collector", [CsvCollector, JsonCollector])
def test_missing_file_is_a_source_error(tmp_path: Path, collector: type) -> None:
    with pytest.raises(SourceError, match="cannot read .*: No such file"):
        list(collector(tmp_path / "absent").records())


def test_directory_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="cannot read"):
        list(CsvCollector(tmp_path).records())


def test_json_yields_each_array_element_with_its_index(tmp_path: Path) -> None:
    path = records.write_json(tmp_path / "books.json", [records.book(), {"x": 1.5}])

    got = list(JsonCollector(path).records())

    assert [(r.position, r.fields) for r in got] == [
        (0, records.book()),
        (1, {"x": 1.5}),
    ]
    assert isinstance(got[1].fields["x"], float)


def test_json_element_that_is_not_an_object_carries_a_problem(
    tmp_path: Path,
) -> None:
    path = records.write_json(tmp_path / "books.json", [[1, 2]])

    (record,) = JsonCollector(path).records()

    assert record.problem == "not a JSON object"
    assert record.raw_text() == '{"value": [1, 2]}'


@pytest.mark.parametrize("content", ['{"name": "x"}', "", "  \n  "])
def test_json_that_is_not_an_array_is_a_shape_error(
    tmp_path: Path, content: str
) -> None:
    path = tmp_path / "books.json"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(ShapeError, match="not a JSON array"):
        list(JsonCollector(path).records())


def test_truncated_json_is_a_source_error_after_the_good_records(
    tmp_path: Path,
) -> None:
    path = tmp_path / "books.json"
    path.write_text('[{"name": "a"}, {"name": "b"', encoding="utf-8")
    seen: list[SourceRecord] = []

    with pytest.raises(SourceError, match="not valid JSON"):
        for record in JsonCollector(path).records():
            seen.append(record)

    assert [r.fields for r in seen] == [{"name": "a"}]


@pytest.mark.parametrize("collector", [CsvCollector, JsonCollector])
def test_sha256_is_the_digest_of_the_whole_file(
    tmp_path: Path, collector: type
) -> None:
    path = tmp_path / "file"
    path.write_text('[{"a": "1"}]' if collector is JsonCollector else "a\n1\n")
    source = collector(path)
    before = source.sha256

    list(source.records())

    assert before == hashlib.sha256(b"").hexdigest()
    assert source.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert source.source == str(path)


def test_raw_text_is_json_of_the_fields() -> None:
    record = SourceRecord(3, {"title": "Amélie", "n": None})

    assert record.raw_text() == '{"title": "Amélie", "n": null}'


def test_sha256_upfront_is_the_file_digest_or_none_when_unreadable(
    tmp_path: Path,
) -> None:
    path = tmp_path / "m.csv"
    path.write_text("title\nA\n")

    assert (
        CsvCollector(path).sha256_upfront()
        == hashlib.sha256(path.read_bytes()).hexdigest()
    )
    assert CsvCollector(tmp_path / "absent.csv").sha256_upfront() is None
