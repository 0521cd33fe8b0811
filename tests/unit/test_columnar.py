"""The columnar checks: derived from the raw schemas' types, subsets of pydantic."""

from dataclasses import replace
from datetime import datetime, timezone
from typing import Annotated, Any

import pyarrow as pa
import pytest
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    Field,
    StringConstraints,
)

from strider_challenge.adapters.arrow_rows import (
    INSTANT,
    canonical_json,
    rows_to_batch,
    sqlite_rows,
)
from strider_challenge.adapters.columnar import (
    FastPath,
    FieldCheck,
    field_check,
    rule_holds,
)
from strider_challenge.domain.datasets import DATASETS
from strider_challenge.domain.mappers import ColumnsFrom
from strider_challenge.domain.raw import Int, RawSchema, Str, Text, Timestamp
from strider_challenge.domain.rules import between, not_before


class Shapes(BaseModel):
    """Field types the fast path knows, and some it does not."""

    text: Text
    str_: Str
    int_: Int
    float_: float
    instant: Timestamp
    maybe_int: Int | None = None
    other_pattern: Annotated[str, StringConstraints(pattern=r"^a+$")]
    two_patterns: Annotated[
        str, StringConstraints(pattern=r"^a+$"), Field(min_length=1)
    ]
    unbounded: int
    half_bounded: Annotated[int, Field(ge=0)]
    bounded_float: Annotated[float, Field(ge=0)]
    naive: datetime
    aware: AwareDatetime
    checked_otherwise: Annotated[AwareDatetime, AfterValidator(lambda value: value)]
    either: int | str


def check_of(name: str, allow_inf_nan: bool = False) -> FieldCheck | None:
    return field_check(Shapes.model_fields[name], allow_inf_nan)


def test_the_checks_are_derived_from_the_field_types() -> None:
    text = check_of("text")
    assert text is not None and text == FieldCheck("str", pattern=text.pattern)
    assert check_of("int_") == FieldCheck("int", low=-(2**31), high=2**31 - 1)
    assert check_of("maybe_int") == FieldCheck(
        "int", optional=True, low=-(2**31), high=2**31 - 1
    )
    assert check_of("float_") == FieldCheck("float")
    assert check_of("instant") == FieldCheck("instant")
    assert check_of("str_") is not None and check_of("str_") != check_of("text")


@pytest.mark.parametrize(
    "name",
    [
        "other_pattern",
        "two_patterns",
        "unbounded",
        "half_bounded",
        "bounded_float",
        "naive",
        "aware",
        "checked_otherwise",
        "either",
    ],
)
def test_a_type_the_fast_path_does_not_know_gets_no_check(name: str) -> None:
    assert check_of(name) is None


def test_a_flat_dataset_with_a_field_of_an_unknown_type_has_no_fast_path() -> None:
    class Odd(RawSchema):
        title: Text
        note: Annotated[str, StringConstraints(pattern=r"^a+$")]

    odd = replace(DATASETS["user"], raw=Odd, mapper=ColumnsFrom.same("title", "note"))

    assert odd.flat and not FastPath(odd).available


def test_a_float_that_may_be_infinite_is_left_to_pydantic() -> None:
    assert check_of("float_", allow_inf_nan=True) is None


@pytest.mark.parametrize("model", DATASETS)
def test_exactly_the_flat_datasets_have_a_fast_path(model: str) -> None:
    dataset = DATASETS[model]

    assert FastPath(dataset).available == dataset.flat
    if dataset.flat:  # every field of a flat record has a check
        assert set(FastPath(dataset).checks) == set(dataset.raw.model_fields)


@pytest.mark.parametrize(
    "kind, values",
    [
        ("str", pa.array([1, 2])),
        ("int", pa.array([1.0, 2.0])),
        ("float", pa.array(["1", "2"], pa.large_string()).cast(pa.binary())),
        ("instant", pa.array([1, 2])),
    ],
)
def test_a_value_of_another_type_is_never_accepted(kind: str, values: Any) -> None:
    check = FieldCheck(kind, pattern="^.*$", low=0, high=9)

    _, accepted = check.apply(values)

    assert accepted.to_pylist() == [False, False]


def test_an_instant_that_matches_the_pattern_but_not_the_calendar_is_refused() -> None:
    check = FieldCheck("instant")
    texts = ["2021-02-28T10:00:00+01:00"] * 5
    texts[3] = "2021-02-30T10:00:00+01:00"

    values, accepted = check.apply(pa.array(texts))

    assert accepted.to_pylist() == [True, True, True, False, True]
    assert values[0].as_py() == datetime(2021, 2, 28, 9, tzinfo=timezone.utc)


def test_an_instant_outside_years_1_to_9999_in_utc_is_refused() -> None:
    values = pa.array(["0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00"])

    _, accepted = FieldCheck("instant").apply(values)

    assert accepted.to_pylist() == [False, False]


def test_nulls_are_accepted_only_for_optional_fields() -> None:
    values = pa.array([None, 5], pa.int64())

    assert FieldCheck("int", low=0, high=9).apply(values)[1].to_pylist() == [
        False,
        True,
    ]
    assert FieldCheck("int", True, low=0, high=9).apply(values)[1].to_pylist() == [
        True,
        True,
    ]


def test_a_json_integer_past_2_53_becomes_the_float_python_makes_of_it() -> None:
    values, accepted = FieldCheck("float").apply(pa.array([2**60 + 1], pa.int64()))

    assert accepted.to_pylist() == [True] and values.to_pylist() == [float(2**60 + 1)]


def test_rules_hold_on_nulls_and_compare_columns_or_bounds() -> None:
    starts = pa.array([1, 5, None, 3])
    ends = pa.array([2, 4, 1, None])
    rating = pa.array([0, 3, None, 6])

    later = not_before("end", "start", "ends after it starts")
    rated = between("rating", 1, 5, "rated 1 to 5")

    assert rule_holds(later, {"start": starts, "end": ends}).to_pylist() == [
        True,
        False,
        True,
        True,
    ]
    assert rule_holds(rated, {"rating": rating}).to_pylist() == [
        False,
        True,
        True,
        False,
    ]


def test_a_missing_optional_column_reads_as_nulls() -> None:
    book = FastPath(DATASETS["book"])

    columns, accepted = book.accept(pa.table({"name": ["A", " "]}))

    assert accepted.to_pylist() == [True, False]
    assert [c.to_pylist() for c in columns][1:] == [[None, None]] * 3


def test_documents_travel_as_canonical_json_and_dates_as_iso_for_sqlite() -> None:
    author = DATASETS["author"]
    row = {
        "name": "Ada",
        "birth_date": datetime(1956, 5, 7).date(),
        "died_at": None,
        "nationalities": [{"slug": "s", "label": "L"}],
    }

    batch = rows_to_batch(author, [(3, row)])

    assert batch.column("nationalities").to_pylist() == [
        canonical_json([{"label": "L", "slug": "s"}])
    ]
    assert list(sqlite_rows(batch)) == [
        ("Ada", "1956-05-07", None, '[{"label":"L","slug":"s"}]', 3)
    ]
    assert batch.schema.field("_seq").type == pa.int64()


def test_sqlite_gets_instants_as_fixed_width_utc_text() -> None:
    stream = DATASETS["stream"]
    at = datetime(2021, 12, 6, 18, 30, 19, 99000, tzinfo=timezone.utc)
    row = {
        "user_email": "a",
        "movie_title": "b",
        "start_at": at,
        "end_at": at,
        "size_mb": 1.5,
    }

    batch = rows_to_batch(stream, [(2, row)])

    assert batch.column("start_at").type == INSTANT
    assert list(sqlite_rows(batch))[0][2] == "2021-12-06 18:30:19.099000+00:00"


def test_sqlite_rows_come_slice_by_slice_in_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from strider_challenge.adapters import arrow_rows

    monkeypatch.setattr(arrow_rows, "ROWS_PER_SLICE", 3)
    movie = DATASETS["movie"]
    rows = [
        (
            n,
            {
                "title": f"T{n}",
                "duration_mins": n + 1,
                "original_language": None,
                "size_mb": n,
            },
        )
        for n in range(8)
    ]

    bound = list(sqlite_rows(rows_to_batch(movie, rows)))

    assert [row[0] for row in bound] == [f"T{n}" for n in range(8)]
    assert [row[-1] for row in bound] == list(range(8))
