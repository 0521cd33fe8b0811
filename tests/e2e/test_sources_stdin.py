"""Standard input through a real pipe into the installed `scli`."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests import records
from tests.servers import row_counts

SCLI = Path(sys.executable).with_name("scli")


def piped(
    database_url: str, source: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    with source.open("rb") as stdin:
        return subprocess.run(
            [str(SCLI), *args],
            stdin=stdin,
            capture_output=True,
            text=True,
            env={"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"},
            timeout=120,
            check=False,
        )


@pytest.fixture
def ready(database_url: str) -> str:
    init = subprocess.run(
        [str(SCLI), "init-db"],
        capture_output=True,
        env={"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"},
        timeout=120,
        check=False,
    )
    assert init.returncode == 0, init.stderr
    return database_url


@pytest.mark.slow
def test_a_pipe_loads_csv_json_and_json_lines(ready: str, tmp_path: Path) -> None:
    movies = records.write_csv(
        tmp_path / "m", "movie", [records.movie("A"), records.movie("B")]
    )
    books = records.write_json(tmp_path / "b", [records.book("X")])
    authors = tmp_path / "a"
    authors.write_text(json.dumps(records.author("P")) + "\n")

    results = [
        piped(ready, movies, "load", "--model", "movie", "--config", "-", "-c", "csv"),
        piped(ready, books, "load", "-m", "book", "-f", "-", "-c", "json"),
        piped(ready, authors, "load", "-m", "author", "-f", "-", "-c", "jsonl"),
        piped(ready, movies, "load", "-m", "movie", "-f", "-", "-c", "csv"),
    ]

    assert [r.returncode for r in results] == [0, 0, 0, 0], results[0].stderr
    assert results[0].stdout.startswith("movie: load #1: read 2, inserted 2")
    assert results[3].stdout.startswith("movie: skipped, <stdin> was already loaded")
    assert row_counts(ready) == {
        "movie": 2,
        "book": 1,
        "author": 1,
        "user": 0,
        "stream": 0,
        "review": 0,
    }


@pytest.mark.slow
def test_a_pipe_without_a_collector_is_a_usage_error(
    ready: str, tmp_path: Path
) -> None:
    movies = records.write_csv(tmp_path / "m", "movie", [records.movie()])

    result = piped(ready, movies, "load", "-m", "movie", "-f", "-")

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        "scli: error: cannot tell the format of <stdin>: it has no file name; use "
        "--collector csv, json or jsonl\n"
    )
    assert row_counts(ready)["movie"] == 0
