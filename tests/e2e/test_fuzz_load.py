"""Fuzzed files through `scli load` on SQLite and PostgreSQL.

A summary whose counts add up, or one clean error line and nothing written; never a
traceback.

Raise SCLI_PROPERTY_EXAMPLES to try more files (e.g. 500 before a release).
"""

import csv
import io
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.helpers import DATA_TABLES, count_rows, scli, snapshot
from tests.unit.test_fuzz_collectors import HEADERS, fuzzed

SETTINGS = settings(
    max_examples=int(os.environ.get("SCLI_PROPERTY_EXAMPLES", "12")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

SUMMARY = re.compile(
    r"^movie: load #\d+: read (?P<read>[\d,]+), inserted (?P<inserted>[\d,]+), "
    r"updated (?P<updated>[\d,]+), unchanged (?P<unchanged>[\d,]+), "
    r"rejected (?P<rejected>[\d,]+), duplicates (?P<duplicates>[\d,]+), "
)

#: Values that are valid, invalid, or break a rule, for each field of a movie.
values = st.one_of(
    st.sampled_from(["", "0", "-5", "1", "131", "1e3", "NaN", "2147483648", "x"]),
    st.text(max_size=6),
)
movie = st.fixed_dictionaries(
    {
        "title": st.one_of(st.sampled_from(["Heat", "heat", "Alien", ""]), values),
        "duration_mins": values,
        "original_language": values,
        "size_mb": values,
    }
)


def csv_of(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8", "surrogatepass")


files = st.one_of(
    st.tuples(st.just("csv"), fuzzed.map(lambda data: HEADERS["csv"] + data)),
    st.tuples(st.sampled_from(["csv", "json", "jsonl"]), fuzzed),
    st.tuples(st.just("csv"), st.lists(movie, min_size=1, max_size=8).map(csv_of)),
    st.tuples(
        st.just("json"),
        st.lists(movie, max_size=8).map(lambda rows: json.dumps(rows).encode()),
    ),
    st.tuples(
        st.just("jsonl"),
        st.lists(movie, max_size=8).map(
            lambda rows: b"".join(json.dumps(r).encode() + b"\n" for r in rows)
        ),
    ),
)


@pytest.fixture
def db(database_url: str) -> str:
    assert scli(database_url, "init-db", "-q").exit_code == 0
    return database_url


def counts(stdout: str) -> dict[str, int]:
    found = SUMMARY.match(stdout)
    assert found, stdout
    return {
        name: int(value.replace(",", "")) for name, value in found.groupdict().items()
    }


@SETTINGS
@given(file=files)
def test_a_fuzzed_file_loads_whole_or_not_at_all(db: str, file: Any) -> None:
    collector, data = file
    before = snapshot(db, DATA_TABLES)
    rows_before = count_rows(db, "movie")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"movies.{collector}"
        path.write_bytes(data)

        result = scli(
            db,
            "load",
            "-m",
            "movie",
            "-f",
            str(path),
            "--mode",
            "incremental",
            "--force",
        )

    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    if result.exit_code == 0:
        loaded = counts(result.stdout)
        assert loaded["read"] == sum(
            loaded[n]
            for n in ("inserted", "updated", "unchanged", "rejected", "duplicates")
        )
        assert count_rows(db, "movie") == rows_before + loaded["inserted"]
    else:
        assert result.exit_code == 1, result.output
        assert result.stdout == ""
        assert result.stderr.startswith("scli: error: ")
        assert result.stderr.count("\n") == 1
        assert snapshot(db, DATA_TABLES) == before
