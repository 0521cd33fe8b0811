"""`scli load --config` with local files: the collector inferred, gzip, JSON Lines."""

import gzip
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from strider_challenge.entrypoints.cli import app
from tests import records
from tests.e2e.helpers import DATA_TABLES, scli, snapshot
from tests.servers import row_counts


def test_the_collector_is_inferred_from_the_file_name(
    ready: str, tmp_path: Path
) -> None:
    movies = records.write_csv(
        tmp_path / "movies.csv", "movie", [records.movie("A"), records.movie("B")]
    )
    books = records.write_json(tmp_path / "books.json", [records.book("X")])
    authors = tmp_path / "authors.ndjson.gz"
    authors.write_bytes(
        gzip.compress(f"{json.dumps(records.author('P'))}\n{{broken\n".encode("utf-8"))
    )

    results = [
        scli(ready, "load", "-m", "movie", "-f", str(movies)),
        scli(ready, "load", "-m", "book", "-f", f"file://{books}"),
        scli(ready, "load", "-m", "author", "-f", str(authors)),
    ]

    assert [r.exit_code for r in results] == [0, 0, 0], results[-1].output
    assert row_counts(ready) == {
        "movie": 2,
        "book": 1,
        "author": 1,
        "user": 0,
        "stream": 0,
        "review": 0,
    }
    assert results[2].stderr.endswith(
        "(in rejected_record, load_id 3):\n  line 2: not valid JSON: Expecting "
        "property name enclosed in double quotes at column 2\n"
    )


def test_an_explicit_collector_wins_over_the_name(ready: str, tmp_path: Path) -> None:
    path = records.write_json(tmp_path / "books.txt", [records.book()])

    result = scli(ready, "load", "-m", "book", "-c", "json", "-f", str(path))

    assert result.exit_code == 0, result.output
    assert row_counts(ready)["book"] == 1


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            "books.txt",
            "cannot tell the format of books.txt from its name: known endings are "
            ".csv, .json, .jsonl, .ndjson, each optionally .gz; use --collector csv, "
            "json or jsonl",
        ),
        (
            "-",
            "cannot tell the format of <stdin>: it has no file name; use --collector "
            "csv, json or jsonl",
        ),
        ("gs://b/books.json", "cannot read gs://b/books.json: unsupported scheme gs"),
    ],
)
def test_a_source_the_tool_cannot_read_is_a_usage_error(
    ready: str, config: str, message: str
) -> None:
    before = snapshot(ready, DATA_TABLES)

    result = scli(ready, "load", "-m", "book", "-f", config)

    assert result.exit_code == 2
    assert result.stderr.startswith(f"scli: error: {message}")
    assert result.stderr.count("\n") == 1
    assert snapshot(ready, DATA_TABLES) == before


def test_a_truncated_gzip_file_loads_nothing(ready: str, tmp_path: Path) -> None:
    lines = [records.stream(f"2021-12-25T06:{m:02}:00.000+0100") for m in range(60)]
    path = records.write_csv(tmp_path / "streams.csv", "stream", lines * 50)
    whole = gzip.compress(path.read_bytes())
    zipped = tmp_path / "streams.csv.gz"
    zipped.write_bytes(whole[: len(whole) // 2])
    before = snapshot(ready, DATA_TABLES)

    result = scli(ready, "load", "-m", "stream", "-f", str(zipped))

    assert result.exit_code == 1
    assert result.stderr == (
        f"scli: error: {zipped} is not a valid gzip file: Compressed file ended "
        "before the end-of-stream marker was reached\n"
    )
    assert snapshot(ready, DATA_TABLES) == before


def test_standard_input_loads_in_process_and_is_recorded_as_stdin(
    ready: str, tmp_path: Path
) -> None:
    content = "\n".join(json.dumps(records.book(t)) for t in ("A", "B", "C"))

    result = CliRunner().invoke(
        app,
        ["load", "-m", "book", "-c", "jsonl", "-f", "-"],
        input=content,
        env={"DATABASE_URL": ready},
    )

    assert result.exit_code == 0, result.output
    assert re.match(r"book: load #1: read 3, inserted 3", result.stdout)
    runs = json.loads(scli(ready, "runs", "--format", "json").stdout)
    assert [run["source"] for run in runs] == ["<stdin>"]


def test_load_help_documents_every_location_and_collector() -> None:
    result = scli("sqlite://", "load", "--help")
    words = " ".join(result.output.split())

    for text in ("ftp://", "s3://", "- for standard input", "jsonl", ".ndjson"):
        assert text in words
