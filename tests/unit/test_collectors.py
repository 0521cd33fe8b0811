import gzip
import hashlib
import json
from pathlib import Path

import pytest

from strider_challenge.adapters.collectors import (
    CsvCollector,
    DumpFolder,
    JsonCollector,
    JsonLinesCollector,
    SourceRecord,
    UnknownFormatError,
    collector_for,
    infer_collector,
)
from strider_challenge.adapters.sources import UnsupportedLocationError
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


def test_a_header_with_a_lone_carriage_return_is_a_source_error(
    tmp_path: Path,
) -> None:
    path = tmp_path / "cr.csv"
    path.write_bytes(b"movie\rtitle,size_mb\nUnforgiven,1\n")

    with pytest.raises(SourceError) as raised:
        list(CsvCollector(path).records())

    assert str(raised.value) == (
        f"{path}: its header line is not valid CSV (new-line character seen in "
        "unquoted field)"
    )


def test_a_csv_line_that_is_not_utf8_is_a_record_with_a_problem(
    tmp_path: Path,
) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"title,n\nCaf\xe9,1\nTea,2\n")

    bad, good = CsvCollector(path).records()

    assert (bad.position, bad.fields) == (2, {"title": "Caf\\xe9", "n": "1"})
    assert bad.problem == "not valid utf-8 (undecodable bytes shown as \\xNN)"
    assert (good.position, good.fields, good.problem) == (
        3,
        {"title": "Tea", "n": "2"},
        None,
    )


def test_another_encoding_is_read_when_named(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"title,n\nCaf\xe9,1\n")

    (record,) = CsvCollector(path, encoding="latin-1").records()

    assert (record.fields, record.problem) == ({"title": "Café", "n": "1"}, None)


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


def test_truncated_json_is_a_source_error(tmp_path: Path) -> None:
    path = tmp_path / "books.json"
    path.write_text('[{"name": "a"}, {"name": "b"', encoding="utf-8")

    with pytest.raises(SourceError, match="books.json is not valid JSON: "):
        list(JsonCollector(path).records())


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


def write_lines(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_json_lines_yield_one_object_per_line_numbered_from_one(
    tmp_path: Path,
) -> None:
    path = write_lines(
        tmp_path / "books.jsonl",
        "",
        json.dumps(records.book("A")),
        "   ",
        '{"x": 1.5, "n": 2}',
    )

    got = list(JsonLinesCollector(path).records())

    assert [(r.position, r.fields, r.problem) for r in got] == [
        (2, records.book("A"), None),
        (4, {"x": 1.5, "n": 2}, None),
    ]
    assert isinstance(got[1].fields["n"], int)


def test_a_json_line_that_is_not_an_object_is_a_rejected_record(
    tmp_path: Path,
) -> None:
    path = write_lines(
        tmp_path / "b.ndjson", '{"name": "a"}', "not json", "[1, 2]", "7"
    )
    path.write_bytes(
        path.read_bytes() + b"\xff{}\n" + b'{"a":' * 100_000 + b"\n" + b'{"z": 0}'
    )

    got = list(JsonLinesCollector(path).records())

    assert [(r.position, r.problem) for r in got[:4]] == [
        (1, None),
        (2, "not valid JSON: Expecting value at column 1"),
        (3, "not a JSON object"),
        (4, "not a JSON object"),
    ]
    assert got[1].raw_text() == '{"line": "not json"}'
    assert got[2].fields == {"value": [1, 2]}
    assert got[4].position == 5 and got[4].problem is not None
    assert got[4].problem == "not valid UTF-8 (undecodable bytes shown as \\xNN)"
    assert got[4].fields == {"line": "\\xff{}"}
    assert got[5].position == 6 and got[5].problem is not None
    assert got[5].problem.startswith("not valid JSON: maximum recursion depth")
    assert (got[6].position, got[6].fields) == (7, {"z": 0})


def test_a_json_array_read_as_json_lines_is_a_shape_error(tmp_path: Path) -> None:
    path = records.write_json(tmp_path / "books.jsonl", [records.book()])

    with pytest.raises(ShapeError, match="is a JSON array, not JSON Lines"):
        list(JsonLinesCollector(path).records())


def test_json_lines_read_as_a_json_array_get_a_hint(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "books.json", '{"name": "a"}')

    with pytest.raises(ShapeError, match=r"not a JSON array \(JSON Lines\? use"):
        list(JsonCollector(path).records())


def test_a_json_array_after_much_white_space_is_still_an_array(
    tmp_path: Path,
) -> None:
    path = tmp_path / "books.json"
    path.write_bytes(b" \n" * (1 << 20) + json.dumps([records.book()]).encode())

    (record,) = JsonCollector(path).records()

    assert record.fields == records.book()


@pytest.mark.parametrize("collector", [CsvCollector, JsonCollector, JsonLinesCollector])
def test_a_gzip_file_is_hashed_as_its_decompressed_bytes(
    tmp_path: Path, collector: type
) -> None:
    content = b"a\n1\n" if collector is CsvCollector else b'[{"a": "1"}]'
    if collector is JsonLinesCollector:
        content = b'{"a": "1"}\n'
    path = tmp_path / "file.gz"
    path.write_bytes(gzip.compress(content))
    source = collector(path)

    assert source.sha256_upfront() is None
    assert [r.fields for r in source.records()] == [{"a": "1"}]
    assert source.sha256 == hashlib.sha256(content).hexdigest()


@pytest.mark.parametrize(
    ("name", "collector"),
    [
        ("movies.csv", "csv"),
        ("MOVIES.CSV.GZ", "csv"),
        ("books.json", "json"),
        ("books.json.gz", "json"),
        ("books.jsonl", "jsonl"),
        ("books.ndjson.gz", "jsonl"),
        ("books.txt", None),
        ("books.gz", None),
        ("", None),
    ],
)
def test_the_collector_is_inferred_from_the_extension(
    name: str, collector: str | None
) -> None:
    assert infer_collector(name) == collector


def test_an_explicit_collector_wins_over_the_name(tmp_path: Path) -> None:
    inferred = collector_for(str(tmp_path / "a.ndjson"))
    named = collector_for(tmp_path / "a.csv", "json")

    assert type(inferred) is JsonLinesCollector and inferred.position_unit == "line"
    assert type(named) is JsonCollector and named.position_unit == "index"
    assert named.source == str(tmp_path / "a.csv")


@pytest.mark.parametrize(
    ("location", "message"),
    [
        (
            "data/movies.txt",
            r"cannot tell how to read data/movies.txt: its name \(known",
        ),
        ("-", "cannot tell how to read <stdin>: it has no name; use --collector csv"),
    ],
)
def test_an_unknown_extension_without_a_collector_is_refused(
    location: str, message: str
) -> None:
    with pytest.raises(UnknownFormatError, match=message):
        collector_for(location)


def test_a_dump_folder_finds_and_reads_its_files(tmp_path: Path) -> None:
    records.write_csv(tmp_path / "movies.csv", "movie", [records.movie()])
    folder = DumpFolder(str(tmp_path))

    assert folder.source == str(tmp_path)
    assert folder.has("movies.csv") and not folder.has("users.csv")
    collector = folder.collector("movies.csv")
    assert isinstance(collector, CsvCollector)
    assert [r.fields for r in collector.records()] == [records.movie()]


def test_stdin_is_not_a_dump_folder() -> None:
    with pytest.raises(UnsupportedLocationError, match="one file, not a dump folder"):
        DumpFolder("-")


def test_a_header_line_the_csv_reader_refuses_is_one_clean_error(
    tmp_path: Path,
) -> None:
    # Found by tests/unit/test_fuzz_collectors.py: it crashed with _csv.Error.
    path = tmp_path / "m.csv"
    path.write_bytes(b"\r\x00")

    with pytest.raises(SourceError, match=r"its header line is not valid CSV \("):
        list(CsvCollector(path).records())
