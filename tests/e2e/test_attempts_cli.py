"""Every load attempt on record, and the guard against truncated full dumps.

Through `scli load`, `scli load-dump` and `scli runs`, on SQLite and PostgreSQL.
"""

import json
from pathlib import Path

import pytest

from tests import records
from tests.e2e.helpers import DATA_TABLES, scli, snapshot


def authors(count: int) -> list[dict[str, object]]:
    return [records.author(f"Author {i:03}") for i in range(count)]


@pytest.fixture
def two_hundred(database_url: str, tmp_path: Path) -> str:
    """A database whose author table holds 200 current authors."""
    assert scli(database_url, "init-db", "-q").exit_code == 0
    path = records.write_json(tmp_path / "authors.json", authors(200))
    loaded = scli(database_url, "load", "-m", "author", "-f", str(path))
    assert loaded.exit_code == 0, loaded.stderr
    return database_url


def test_a_truncated_full_dump_loads_nothing_and_says_how_many(
    two_hundred: str, tmp_path: Path
) -> None:
    cut = records.write_json(tmp_path / "cut.json", authors(10))
    before = snapshot(two_hundred, DATA_TABLES)

    result = scli(two_hundred, "load", "-m", "author", "-f", str(cut))

    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == (
        "scli: error: this full author load would mark 190 of the 200 current records "
        "deleted (95.0%), more than --max-deletes 10%: nothing was loaded (a truncated "
        "dump? --force or a higher --max-deletes loads it)\n"
    )
    assert snapshot(two_hundred, DATA_TABLES) == before
    runs = json.loads(scli(two_hundred, "runs", "--format", "json").stdout)
    assert [(run["status"], run["deleted"]) for run in runs] == [
        ("failed", 0),
        ("succeeded", 0),
    ]


@pytest.mark.parametrize(
    ("options", "deleted"),
    [
        (["--max-deletes", "95"], 190),
        (["--force"], 190),
        (["--max-deletes", "94.9"], None),
    ],
)
def test_force_or_a_higher_max_deletes_lets_it_through(
    two_hundred: str, tmp_path: Path, options: list[str], deleted: int | None
) -> None:
    cut = records.write_json(tmp_path / "cut.json", authors(10))

    result = scli(two_hundred, "load", "-m", "author", "-f", str(cut), *options)

    if deleted is None:
        assert result.exit_code == 1 and "190 of the 200" in result.stderr
    else:
        assert result.exit_code == 0, result.stderr
        assert f"deleted {deleted}," in result.stdout


def test_within_the_limit_a_full_dump_marks_its_missing_records(
    two_hundred: str, tmp_path: Path
) -> None:
    most = records.write_json(tmp_path / "most.json", authors(200)[:180])

    result = scli(two_hundred, "load", "-m", "author", "-f", str(most))

    assert result.exit_code == 0 and "deleted 20," in result.stdout


def test_an_incremental_load_is_never_guarded(two_hundred: str, tmp_path: Path) -> None:
    cut = records.write_json(tmp_path / "cut.json", authors(10))

    result = scli(
        two_hundred, "load", "-m", "author", "-f", str(cut), "--mode", "incremental"
    )

    assert result.exit_code == 0 and "deleted 0," in result.stdout


def test_load_dump_passes_max_deletes_on(two_hundred: str, tmp_path: Path) -> None:
    (tmp_path / "dump" / "vendor").mkdir(parents=True)
    records.write_json(tmp_path / "dump" / "vendor" / "authors.json", authors(10))

    guarded = scli(two_hundred, "load-dump", str(tmp_path / "dump"))
    allowed = scli(
        two_hundred, "load-dump", str(tmp_path / "dump"), "--max-deletes", "100"
    )

    assert guarded.exit_code == 1
    assert "scli: error: author: this full author load would mark 190" in guarded.stderr
    assert allowed.exit_code == 0 and "1 loaded" in allowed.stdout


def test_every_attempt_is_in_runs_and_filtered_by_status(
    two_hundred: str, tmp_path: Path
) -> None:
    again = records.write_json(tmp_path / "authors.json", authors(200))
    broken = tmp_path / "broken.json"
    broken.write_text('[{"metadata": ')
    assert scli(two_hundred, "load", "-m", "author", "-f", str(again)).exit_code == 0
    failed = scli(two_hundred, "load", "-m", "author", "-f", str(broken))

    everything = json.loads(scli(two_hundred, "runs", "--format", "json").stdout)
    only_failed = scli(two_hundred, "runs", "--status", "failed", "--format", "json")
    table = scli(two_hundred, "runs", "--status", "skipped")

    assert [run["status"] for run in everything] == ["failed", "skipped", "succeeded"]
    (row,) = json.loads(only_failed.stdout)
    assert row["error"] == failed.stderr.removeprefix("scli: error: ").rstrip("\n")
    assert row["rows_read"] == row["inserted"] == row["rejected"] == 0
    assert everything[1]["error"] == "these bytes were already loaded by load #1"
    assert everything[2]["error"] is None
    assert "skipped" in table.stdout and "load #1" in table.stdout
    assert "failed" not in table.stdout


def test_runs_refuses_an_unknown_status(two_hundred: str) -> None:
    result = scli(two_hundred, "runs", "--status", "crashed")

    assert result.exit_code == 2
    assert "'crashed' is not one of succeeded, skipped, failed" in result.stderr
