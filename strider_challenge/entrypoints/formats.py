"""Printing rows: an aligned text table, CSV or JSON, from any database's values."""

import csv
import io
import json
import math
from collections.abc import Collection, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

#: The output formats of `scli report` and `scli query`; the first is the default.
FORMATS = ("table", "csv", "json")


def json_value(value: Any) -> Any:
    """A value JSON can carry: numbers stay numbers, instants become ISO 8601 text.

    Integral decimals (counts, sums) become exact integers, others floats; values
    JSON has no number for (NaN, infinity) become text.
    """
    if isinstance(value, Decimal):
        if not value.is_finite():
            return str(value)
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, (bool, int, float, str, list, dict)):
        return value
    return cell(value)


def cell(value: Any) -> str:
    """A value as text in a table or CSV cell; NULL is empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def render_table(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    right: Collection[str] = (),
) -> str:
    """Columns padded to their widest cell, one line a row.

    Columns of numbers, and the columns named in `right`, are right-aligned.
    """
    texts = [[cell(value) for value in row] for row in rows]
    widths = [
        max([len(name), *(len(row[i]) for row in texts)])
        for i, name in enumerate(columns)
    ]
    numeric = [
        name in right
        or any(_is_number(row[i]) for row in rows)
        and all(row[i] is None or _is_number(row[i]) for row in rows)
        for i, name in enumerate(columns)
    ]

    def line(values: Sequence[str]) -> str:
        padded = (
            value.rjust(width) if right else value.ljust(width)
            for value, width, right in zip(values, widths, numeric)
        )
        return "  ".join(padded).rstrip()

    lines = [line(columns), line(["-" * width for width in widths])]
    lines.extend(line(row) for row in texts)
    return "\n".join(lines)


def render_csv(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A header line, then one line a row (RFC 4180 quoting, LF line ends)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([cell(value) for value in row] for row in rows)
    return buffer.getvalue().rstrip("\n")


def render_json(document: Any) -> str:
    """Indented JSON, non-ASCII kept as is."""
    return json.dumps(document, indent=2, ensure_ascii=False)


def records(
    columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[dict[str, Any]]:
    """Rows as JSON objects keyed by column name."""
    return [
        {name: json_value(value) for name, value in zip(columns, row)} for row in rows
    ]
