"""Blocks of CSV and JSON Lines: where they are cut, and when Arrow may read them."""

import codecs
from pathlib import Path

import pyarrow as pa
import pyarrow.csv
import pytest

from strider_challenge.adapters import collectors
from strider_challenge.adapters.collectors import (
    EXTRA_FIELDS,
    CsvBlock,
    CsvCollector,
    JsonLinesBlock,
    JsonLinesCollector,
)
from strider_challenge.domain.errors import ShapeError, SourceError

HEADER = ["title", "n"]
TWO = pa.schema([("title", pa.string()), ("n", pa.string())])


def block(data: bytes, line: int = 2, field_limit: int = 100) -> CsvBlock:
    return CsvBlock(HEADER, data, line, field_limit=field_limit)


def test_a_plain_block_is_read_by_arrow_line_by_line() -> None:
    columnar = block(b'A,1\n"B, the second",2\nC,3').columnar(TWO)

    assert columnar is not None
    assert columnar.table.to_pylist() == [
        {"title": "A", "n": "1"},
        {"title": "B, the second", "n": "2"},
        {"title": "C", "n": "3"},
    ]
    assert columnar.positions.to_pylist() == [2, 3, 4]
    assert columnar.records_at([1])[0].position == 3 and columnar.rest == []


def test_rows_of_the_wrong_width_are_left_out_with_their_lines_and_extras() -> None:
    columnar = block(b"A,1\nB,2,x,y\nC\nD,4\n").columnar(TWO)

    assert columnar is not None
    assert columnar.positions.to_pylist() == [2, 5]
    assert [(r.position, r.fields, r.problem) for r in columnar.rest] == [
        (
            3,
            {"title": "B", "n": "2", EXTRA_FIELDS: ["x", "y"]},
            "4 fields where the header has 2",
        ),
        (4, {"title": "C"}, "1 fields where the header has 2"),
    ]


@pytest.mark.parametrize(
    "data, why",
    [
        (b"A,1\n\nB,2\n", "an empty line shifts the rows"),
        (b"A,1\r\n\r\nB,2\r\n", "an empty CRLF line too"),
        (b"\nA,1\n", "an empty first line"),
        (b"A,1\rB,2\n", "a lone carriage return ends a line"),
        (b'"A\nA",1\n', "a record over two lines"),
        (b"Caf\xe9,1\n", "bytes that are not UTF-8"),
        (codecs.BOM_UTF8 + b"A,1\n", "a value that starts with a byte order mark"),
    ],
)
def test_a_block_arrow_would_read_otherwise_takes_the_row_path(
    data: bytes, why: str
) -> None:
    assert block(data).columnar(TWO) is None, why


def test_a_block_with_a_field_over_the_limit_takes_the_row_path() -> None:
    data = b"A,1\n" + b"B" * 11 + b",2\n"

    assert block(data, field_limit=10).columnar(TWO) is None
    short, long = block(data, field_limit=10).records()
    assert short.problem is None
    assert long.problem == (
        "field title has 11 characters, more than the field limit of 10 (--field-limit)"
    )
    assert long.fields == {"title": "B" * 10, "n": "2"}


def test_the_row_path_keeps_line_numbers_across_records_of_several_lines() -> None:
    records = block(b'A,1\n"B\nB",2\n\nC,3\n', line=10).records()

    assert [(r.position, r.fields["title"]) for r in records] == [
        (10, "A"),
        (11, "B\nB"),
        (14, "C"),
    ]


def test_undecodable_bytes_are_shown_escaped_extras_included() -> None:
    (record,) = block(b"Caf\xe9,1,\xff\n").records()

    assert record.fields == {"title": "Caf\\xe9", "n": "1", EXTRA_FIELDS: ["\\xff"]}
    assert record.problem == "not valid utf-8 (undecodable bytes shown as \\xNN)"


def test_a_quoted_record_is_never_cut_between_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(collectors, "BLOCK_SIZE", 8)
    path = tmp_path / "m.csv"
    path.write_bytes(b'title,n\nA,1\n"Long\ntitle, quoted\nover lines",2\nC,3\n')

    found = [(r.position, r.fields) for r in CsvCollector(path).records()]

    assert found == [
        (2, {"title": "A", "n": "1"}),
        (3, {"title": "Long\ntitle, quoted\nover lines", "n": "2"}),
        (6, {"title": "C", "n": "3"}),
    ]


def test_a_quote_left_open_is_cut_at_the_block_limit_and_the_rest_still_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(collectors, "BLOCK_SIZE", 16)
    monkeypatch.setattr(collectors, "MAX_BLOCK", 40)
    path = tmp_path / "m.csv"
    lines = [f"M{i},{i}" for i in range(20)]
    path.write_text("title,n\n" + '"Open,1\n' + "\n".join(lines) + "\n")

    found = list(CsvCollector(path).records())

    assert found[0].position == 2 and "\n" in found[0].fields["title"]
    assert found[-1].fields == {"title": "M19", "n": "19"}


def test_a_header_repeating_a_name_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("size_mb,title,size_mb\n1,A,2\n")

    with pytest.raises(ShapeError, match="its header names size_mb more than once"):
        list(CsvCollector(path).records())


def test_a_header_that_is_not_utf8_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_bytes(b"t\xeftle\nA\n")

    with pytest.raises(SourceError, match="its header line is not valid utf-8"):
        list(CsvCollector(path).records())


@pytest.mark.parametrize(
    "mark, name", [(codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF32_BE, "utf-32")]
)
def test_a_file_in_utf16_or_utf32_says_so(
    tmp_path: Path, mark: bytes, name: str
) -> None:
    path = tmp_path / "s.jsonl"
    path.write_bytes(mark + '{"a": 1}\n'.encode(name.replace("-", "_") + "-le"))

    with pytest.raises(SourceError, match=f"is not UTF-8: .* --encoding {name}"):
        list(JsonLinesCollector(path).records())


def test_a_utf16_file_is_read_when_named(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_bytes("title,n\nCafé,1\n".encode("utf-16"))

    (record,) = CsvCollector(path, encoding="utf-16").records()

    assert record.fields == {"title": "Café", "n": "1"}


def test_a_byte_order_mark_opening_a_utf8_file_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_bytes(codecs.BOM_UTF8 + b'{"a": 1}\n')

    (record,) = JsonLinesCollector(path).records()

    assert record.fields == {"a": 1}


def test_json_lines_that_arrow_cannot_type_are_found_by_halving() -> None:
    schema = pa.schema([("a", pa.int64())])
    lines = [b'{"a": %d}' % i for i in range(8)]
    lines[5] = b'{"a": "five"}'
    lines[6] = b"null"

    columnar = JsonLinesBlock(b"\n".join(lines), line=1).columnar(schema)

    assert columnar is not None
    assert columnar.positions.to_pylist() == [1, 2, 3, 4, 5, 8]
    assert sorted((r.position, r.fields, r.problem) for r in columnar.rest) == [
        (6, {"a": "five"}, None),
        (7, {"value": None}, "not a JSON object"),
    ]
    assert columnar.records_at([4])[0].fields == {"a": 4}


def test_json_lines_with_a_blank_line_or_bad_bytes_take_the_row_path() -> None:
    schema = pa.schema([("a", pa.int64())])

    assert JsonLinesBlock(b'{"a": 1}\n  \n{"a": 2}', 1).columnar(schema) is None
    assert JsonLinesBlock(b'{"a": 1}\n{"\xff": 2}\n', 1).columnar(schema) is None


def test_the_fields_of_json_lines_are_those_of_the_first_object() -> None:
    assert JsonLinesBlock(b'\n{"a": 1, "b": 2}\n{"c": 3}\n', 1).fields() == ["a", "b"]
    assert JsonLinesBlock(b"not json\n", 1).fields() == []


def test_a_quote_left_open_at_the_end_is_one_record_of_the_wrong_width() -> None:
    columnar = block(b'A,1\n"B,2\n').columnar(TWO)

    assert columnar is not None and columnar.positions.to_pylist() == [2]
    assert [(r.position, r.fields) for r in columnar.rest] == [(3, {"title": "B,2\n"})]


def test_a_header_with_a_quoted_line_break_is_one_header(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text('"ti\ntle",n\nA,1\n')

    (record,) = CsvCollector(path).records()

    assert (record.position, record.fields) == (3, {"ti\ntle": "A", "n": "1"})


def test_a_file_in_another_encoding_is_transcoded_chunk_by_chunk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(collectors, "BLOCK_SIZE", 5)
    path = tmp_path / "m.csv"
    path.write_bytes("title,n\nCafé,1\nThé,2\n".encode("cp1252"))

    found = [r.fields for r in CsvCollector(path, encoding="cp1252").records()]

    assert found == [{"title": "Café", "n": "1"}, {"title": "Thé", "n": "2"}]


def test_a_block_arrow_refuses_is_read_by_the_row_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise pa.ArrowInvalid("refused")

    monkeypatch.setattr(pyarrow.csv, "read_csv", refuse)
    data = block(b"A,1\n")

    assert data.columnar(TWO) is None
    assert [r.fields for r in data.records()] == [{"title": "A", "n": "1"}]


def nested(levels: int) -> str:
    """A JSON object `levels` containers deep."""
    return '{"a": ' * levels + "1" + "}" * levels


def test_a_json_record_nested_too_deep_is_rejected_without_being_built(
    tmp_path: Path,
) -> None:
    path = tmp_path / "deep.json"
    deepest = '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}"
    path.write_text(f'[{nested(64)}, {nested(65)}, {deepest}, {{"b": 2}}]')

    found = [(r.position, r.problem) for r in collectors.JsonCollector(path).records()]

    assert found == [
        (0, None),
        (1, "nested deeper than 64 levels"),
        (2, "nested deeper than 64 levels"),
        (3, None),
    ]


def test_a_json_line_nested_too_deep_is_rejected_like_an_array_element(
    tmp_path: Path,
) -> None:
    path = tmp_path / "deep.jsonl"
    path.write_text(f"{nested(64)}\n{nested(65)}\n")

    found = [(r.position, r.problem) for r in JsonLinesCollector(path).records()]

    assert found == [(1, None), (2, "nested deeper than 64 levels")]
