"""The columnar fast path and the pydantic row path agree, by property.

For each flat model: any row the fast path accepts is accepted by pydantic (raw
schema, mapper, business rules) and becomes the identical table row; whole CSV
files read through the fast path give the rows and rejections of the row path.
"""

import csv
import io
import json
import math
import os
import struct
from datetime import datetime, timedelta, timezone
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strider_challenge.adapters import collectors
from strider_challenge.adapters.arrow_rows import rows_to_batch
from strider_challenge.adapters.collectors import (
    CsvCollector,
    JsonLinesBlock,
    JsonLinesCollector,
    Records,
)
from strider_challenge.adapters.columnar import FastPath
from strider_challenge.adapters.validation import Validator
from strider_challenge.domain.datasets import DATASETS, Dataset
from strider_challenge.domain.errors import ShapeError

FLAT = [name for name, dataset in DATASETS.items() if dataset.flat]
SETTINGS = settings(
    max_examples=int(os.environ.get("SCLI_PROPERTY_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

#: Characters that make text hard: white space of every kind, NUL, quotes, commas,
#: line ends, a surrogate-free astral character, combining marks.
ODD = (
    " \t\n\r\x0b\x0c\x00\x85\xa0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000"
    "\ufeff\u200b\"',;\\é\U0001f600\u0301x0.-+:T Z"
)
odd_text = st.text(alphabet=st.sampled_from(ODD), max_size=8)
any_text = st.one_of(st.text(max_size=12), odd_text)


def _int_texts() -> st.SearchStrategy[str]:
    numbers = st.integers(min_value=-(2**70), max_value=2**70)
    return st.one_of(
        numbers.map(str),
        st.integers(-(2**31) - 2, 2**31 + 1).map(str),
        st.integers(0, 999).map(lambda n: f"00{n}"),
        st.integers(-99, 99).map(lambda n: f"+{n}"),
        st.integers(-99, 99).map(lambda n: f" {n} "),
        st.integers(0, 9999).map(lambda n: f"{n // 100}_{n % 100}"),
        st.integers(-99, 99).map(lambda n: f"{n}.0"),
        st.sampled_from(["-0", "0", "", " ", "1e3", "0x10", "٥"]),
        any_text,
    )


def _float_texts() -> st.SearchStrategy[str]:
    floats = st.floats(allow_nan=True, allow_infinity=True)
    return st.one_of(
        floats.map(repr),
        floats.map(lambda f: f"{f:e}"),
        floats.map(lambda f: f"{f:.3f}"),
        st.tuples(floats, st.integers(1, 30)).map(lambda p: f"{p[0]:.{p[1]}g}"),
        st.integers(-(2**70), 2**70).map(str),
        st.sampled_from(
            [".5", "5.", "-.5", "+1.5", "1_0.5", " 1", "1e400", "-0", "0e0", "1E-5"]
        ),
        st.sampled_from(["inf", "-inf", "nan", "NaN", "Infinity", "1.0" + "0" * 400]),
        any_text,
    )


@st.composite
def _instant_texts(draw: st.DrawFn) -> str:
    day = draw(
        st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31))
    )
    minutes = draw(st.integers(-26 * 60, 26 * 60))
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    offset = draw(
        st.sampled_from(
            [
                f"{sign}{hours:02d}:{mins:02d}",
                f"{sign}{hours:02d}{mins:02d}",
                "Z",
                "z",
                "",
            ]
        )
    )
    digits = draw(st.integers(0, 9))
    fraction = f".{day.microsecond:06d}{'7' * digits}"[: digits + 1] if digits else ""
    separator = draw(st.sampled_from(["T", " ", "t"]))
    text = f"{day:%Y-%m-%d}{separator}{day:%H:%M:%S}{fraction}{offset}"
    return draw(
        st.sampled_from(
            [
                text,
                text.replace(f"{day:%H}:", "24:", 1),
                text.replace(f"-{day:%d}", "-30", 1).replace(f"-{day:%m}-", "-02-", 1),
                text[:-3],
                f"{day.year:05d}{text[4:]}",
                "0000-01-01T00:00:00Z",
            ]
        )
    )


instant_texts = st.one_of(_instant_texts(), any_text)

TEXTS = {"str": any_text, "int": _int_texts(), "float": _float_texts()}
TEXTS["instant"] = instant_texts


def csv_records(dataset: Dataset[Any]) -> st.SearchStrategy[list[dict[str, str]]]:
    """Raw records as CSV gives them: every field a string."""
    checks = FastPath(dataset).checks
    record = st.fixed_dictionaries({n: TEXTS[c.kind] for n, c in checks.items()})
    return st.lists(record, min_size=1, max_size=20)


def json_records(dataset: Dataset[Any]) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Raw records as JSON Lines gives them: JSON's types, nulls, anything."""
    checks = FastPath(dataset).checks
    values = {
        "str": st.one_of(any_text, st.none()),
        "int": st.one_of(st.integers(-(2**63), 2**63 - 1), st.none()),
        "float": st.one_of(st.floats(), st.integers(-(2**63), 2**63 - 1), st.none()),
        "instant": st.one_of(instant_texts, st.none()),
    }
    record = st.fixed_dictionaries({n: values[c.kind] for n, c in checks.items()})
    return st.lists(record, min_size=1, max_size=20)


def same(left: Any, right: Any) -> bool:
    """Equal values; floats bit for bit (so -0.0 is not 0.0)."""
    if isinstance(left, float) and isinstance(right, float):
        return struct.pack("<d", left) == struct.pack("<d", right) or (
            math.isnan(left) and math.isnan(right)
        )
    return bool(left == right) and type(left) is type(right)


def accepted_rows_agree(
    dataset: Dataset[Any],
    raw: list[dict[str, Any]],
    table: Any,
    positions: list[int] | None = None,
) -> int:
    """Check every accepted row against pydantic's; return how many were accepted.

    Args:
        dataset: the model.
        raw: the records as the row path reads them.
        table: the records as the fast path reads them.
        positions: for each row of `table`, its record's index in `raw`.
    """
    fast = FastPath(dataset)
    columns, accepted = fast.accept(table)
    batch = pa.RecordBatch.from_arrays(
        [*columns, pa.array(range(table.num_rows), pa.int64())],
        schema=Validator(dataset).schema,
    )
    flags = accepted.to_pylist()
    kept = [index for index, ok in enumerate(flags) if ok]
    for index, row in zip(kept, batch.filter(accepted).to_pylist()):
        record = raw[index if positions is None else positions[index]]
        expected = rows_to_batch(dataset, [(index, dataset.to_row(record))])
        (want,) = expected.to_pylist()
        assert want.keys() == row.keys()
        for key in want:
            assert same(row[key], want[key]), (key, record, row[key], want[key])
    return sum(flags)


@pytest.mark.parametrize("model", FLAT)
@SETTINGS
@given(data=st.data())
def test_a_csv_row_the_fast_path_accepts_is_pydantic_s_row(
    model: str, data: st.DataObject
) -> None:
    dataset = DATASETS[model]
    raw = data.draw(csv_records(dataset))
    table = pa.table({name: [r[name] for r in raw] for name in raw[0]})

    accepted_rows_agree(dataset, raw, table)


@pytest.mark.parametrize("model", FLAT)
@SETTINGS
@given(data=st.data())
def test_a_json_row_the_fast_path_accepts_is_pydantic_s_row(
    model: str, data: st.DataObject
) -> None:
    dataset = DATASETS[model]
    lines = [json.dumps(record) for record in data.draw(json_records(dataset))]
    block = JsonLinesBlock("\n".join(lines).encode(), line=1)
    columnar = block.columnar(FastPath(dataset).input_schema)
    assert columnar is not None

    raw = [json.loads(line) for line in lines]  # what the row path reads
    positions = [p - 1 for p in columnar.positions.to_pylist()]
    accepted_rows_agree(dataset, raw, columnar.table, positions)
    assert sorted(positions + [r.position - 1 for r in columnar.rest]) == list(
        range(len(lines))
    )


def valid_stream(start: datetime, minutes: int, size: float) -> dict[str, str]:
    end = start + timedelta(minutes=minutes)
    return {
        "movie_title": "Unforgiven",
        "user_email": f"u{minutes}@example.com",
        "size_mb": repr(size),
        "start_at": start.isoformat(timespec="milliseconds"),
        "end_at": end.isoformat(timespec="milliseconds"),
    }


def test_well_formed_rows_do_take_the_fast_path() -> None:
    # The property above must not hold merely because nothing is ever accepted.
    dataset = DATASETS["stream"]
    start = datetime(2021, 12, 25, 6, 30, tzinfo=timezone(timedelta(hours=1)))
    raw = [valid_stream(start, n, n / 3) for n in range(1, 50)]
    table = pa.table({name: [r[name] for r in raw] for name in raw[0]})

    assert accepted_rows_agree(dataset, raw, table) == 49


#: Whole lines of CSV: records, and lines that are not quite records.
def _csv_file(dataset: Dataset[Any]) -> st.SearchStrategy[bytes]:
    header = list(FastPath(dataset).checks)

    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(
            buffer, lineterminator=draw(st.sampled_from(["\n", "\r\n"]))
        )
        writer.writerow(header)
        for record in draw(csv_records(dataset)):
            shape = draw(
                st.sampled_from(
                    ["record", "record", "record", "short", "long", "blank"]
                )
            )
            values = [record[name] for name in header]
            if shape == "short":
                values = values[:-1]
            elif shape == "long":
                values = [*values, "extra"]
            elif shape == "blank":
                values = []
            writer.writerow(values)
        text = buffer.getvalue()
        encoded = text.encode("utf-8", "surrogatepass")
        if draw(st.booleans()):  # a byte that is not UTF-8, after the header
            cut = draw(st.integers(encoded.index(b"\n") + 1, len(encoded)))
            encoded = encoded[:cut] + b"\xff" + encoded[cut:]
        return encoded

    return build()


@pytest.mark.parametrize("model", FLAT)
@SETTINGS
@given(data=st.data())
def test_a_csv_file_gives_the_row_path_s_rows_and_rejections(
    model: str, data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    dataset = DATASETS[model]
    content = data.draw(_csv_file(dataset))
    path = tmp_path_factory.mktemp("csv") / "file.csv"
    path.write_bytes(content)
    validator = Validator(dataset)
    fast: list[Any] = []
    slow: list[Any] = []
    saved = collectors.BLOCK_SIZE
    collectors.BLOCK_SIZE = data.draw(st.sampled_from([64, 256, 1 << 20]))
    try:
        for batch in CsvCollector(path).batches():
            for validated, out in (
                (validator.validate(batch), fast),
                (validator.validate(Records(batch.records())), slow),
            ):
                out.extend(
                    ("row", row["_seq"], tuple(sorted(row.items())))
                    for rows in validated.rows
                    for row in rows.to_pylist()
                )
                out.extend(
                    ("rejected", r.position, r.raw, r.error)
                    for r in validated.rejections
                )
    finally:
        collectors.BLOCK_SIZE = saved

    assert sorted(map(repr, fast)) == sorted(map(repr, slow))


def _jsonl_file(dataset: Dataset[Any]) -> st.SearchStrategy[bytes]:
    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        lines = []
        for record in draw(json_records(dataset)):
            shape = draw(
                st.sampled_from(["object", "object", "object", "blank", "junk", "bom"])
            )
            line = json.dumps(record)
            if shape == "blank":
                line = draw(st.sampled_from(["", "  ", "\t"]))
            elif shape == "junk":
                line = draw(
                    st.sampled_from(["[1]", "7", "{", '{"a":1} {"b":2}', "null"])
                )
            elif shape == "bom":
                line = "\ufeff" + line
            lines.append(line)
        encoded = "\n".join(lines).encode("utf-8", "surrogatepass")
        if draw(st.booleans()):
            cut = draw(st.integers(0, len(encoded)))
            encoded = encoded[:cut] + b"\xff" + encoded[cut:]
        return encoded

    return build()


@pytest.mark.parametrize("model", FLAT)
@SETTINGS
@given(data=st.data())
def test_a_json_lines_file_gives_the_row_path_s_rows_and_rejections(
    model: str, data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    dataset = DATASETS[model]
    path = tmp_path_factory.mktemp("jsonl") / "file.jsonl"
    path.write_bytes(data.draw(_jsonl_file(dataset)))
    validator = Validator(dataset)
    fast: list[Any] = []
    slow: list[Any] = []
    saved = collectors.BLOCK_SIZE
    collectors.BLOCK_SIZE = data.draw(st.sampled_from([64, 256, 1 << 20]))
    try:
        for batch in JsonLinesCollector(path).batches():
            for validated, out in (
                (validator.validate(batch), fast),
                (validator.validate(Records(batch.records())), slow),
            ):
                out.extend(
                    ("row", row["_seq"], tuple(sorted(row.items())))
                    for rows in validated.rows
                    for row in rows.to_pylist()
                )
                out.extend(
                    ("rejected", r.position, r.raw, r.error)
                    for r in validated.rejections
                )
    except ShapeError:  # a first line that is an array: refused either way
        return
    finally:
        collectors.BLOCK_SIZE = saved

    assert sorted(map(repr, fast)) == sorted(map(repr, slow))
