"""Printing rows as a table, CSV and JSON, whatever types the database returned."""

import json
import math
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from uuid import UUID

import pytest

from strider_challenge.entrypoints.formats import (
    cell,
    json_value,
    records,
    render_csv,
    render_json,
    render_table,
)

INSTANT = datetime(2021, 12, 6, 18, 30, 19, 99000, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("43336.000000"), 43336),
        (Decimal("93.41"), 93.41),
        (Decimal("NaN"), "NaN"),
        (math.inf, "inf"),
        (1.5, 1.5),
        (7, 7),
        (True, True),
        (None, None),
        ("text", "text"),
        ([{"slug": "singaporeans"}], [{"slug": "singaporeans"}]),
        (INSTANT, "2021-12-06 18:30:19.099000+00:00"),
        (date(2042, 8, 7), "2042-08-07"),
        (b"\x00\xff", "00ff"),
        (timedelta(days=1, hours=2), "1 day, 2:00:00"),
        (UUID(int=1), "00000000-0000-0000-0000-000000000001"),
    ],
)
def test_json_value_keeps_numbers_numbers_and_makes_the_rest_text(
    value: object, expected: object
) -> None:
    converted = json_value(value)

    assert converted == expected
    assert type(converted) is type(expected)
    json.dumps(converted, allow_nan=False)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        (False, "false"),
        (True, "true"),
        (INSTANT, "2021-12-06 18:30:19.099000+00:00"),
        (time(7, 0), "07:00:00"),
        (memoryview(b"\x01"), "01"),
        ({"slug": "é"}, '{"slug": "é"}'),
        (Decimal("0.90"), "0.90"),
        (613.4245936603365, "613.4245936603365"),
    ],
)
def test_cell_text(value: object, expected: str) -> None:
    assert cell(value) == expected


def test_render_table_pads_columns_and_right_aligns_numbers() -> None:
    table = render_table(
        ["title", "duration_mins", "note"],
        [("Alien", 117, None), ("12 Angry Men", None, "x"), ("Ran", 162, "long note")],
    )

    assert table.splitlines() == [
        "title         duration_mins  note",
        "------------  -------------  ---------",
        "Alien                   117",
        "12 Angry Men                 x",
        "Ran                     162  long note",
    ]


def test_render_table_right_aligns_the_named_columns() -> None:
    table = render_table(
        ["question", "answer"], [("a", "1,234"), ("bb", "5")], {"answer"}
    )

    assert table.splitlines()[2:] == ["a          1,234", "bb             5"]


def test_render_table_without_rows_is_its_header() -> None:
    assert render_table(["a", "long"], []).splitlines() == ["a  long", "-  ----"]


def test_render_csv_quotes_what_needs_quoting() -> None:
    text = render_csv(["title", "n"], [("Crimson, Tide", 1), ('Say "hi"', None)])

    assert text == 'title,n\n"Crimson, Tide",1\n"Say ""hi""",'


def test_records_and_render_json() -> None:
    rows = records(["n", "at"], [(Decimal("2"), INSTANT)])

    assert json.loads(render_json(rows)) == [
        {"n": 2, "at": "2021-12-06 18:30:19.099000+00:00"}
    ]
    assert render_json({"é": 1}) == '{\n  "é": 1\n}'
