"""`scli load-dump` on local folders, in-process, on SQLite and PostgreSQL."""

import hashlib
from pathlib import Path

import pytest

from strider_challenge.service_layer.dumps import DUMP_FILES
from tests.e2e.helpers import DATA_TABLES, scli, snapshot
from tests.servers import gzip_file, ledger, loaded, make_dump, row_counts


def row(table: str, model: str) -> list[str]:
    """The cells of a model's row in the summary table, up to the counts."""
    (line,) = [line for line in table.splitlines() if line.split()[:1] == [model]]
    return [cell for cell in line.split()[1:] if not cell[0] in "#0123456789"]


@pytest.fixture
def dump(tmp_path: Path) -> Path:
    root = tmp_path / "dump"
    make_dump(root)
    return root


def test_load_dump_loads_the_six_files_in_order_as_six_audited_loads(
    ready: str, dump: Path
) -> None:
    result = scli(ready, "load-dump", str(dump))

    assert result.exit_code == 0, result.output
    runs = ledger(ready)
    assert [(run["model"], run["source"]) for run in runs] == [
        (model, str(dump / name)) for model, name in DUMP_FILES
    ]
    assert [run["sha256"] for run in runs] == [
        hashlib.sha256((dump / name).read_bytes()).hexdigest() for _, name in DUMP_FILES
    ]
    counts = row_counts(ready)
    assert all(counts[run["model"]] == run["inserted"] > 0 for run in runs)
    assert result.stdout.startswith(f"dump {dump}\n")
    assert "status" in result.stdout and result.stdout.endswith("\n6 loaded\n")
    for run in runs:
        assert f"#{run['id']}" in result.stdout
    assert "1 record of vendor/authors.json rejected" in result.stderr
    assert "\n  index " in result.stderr


def test_a_second_run_skips_every_file_and_changes_nothing(
    ready: str, dump: Path
) -> None:
    scli(ready, "load-dump", str(dump))
    before = snapshot(ready, DATA_TABLES)

    again = scli(ready, "load-dump", str(dump))

    assert again.exit_code == 0 and again.stdout.endswith("\n6 skipped\n")
    assert "rejected" not in again.stderr
    assert snapshot(ready, DATA_TABLES) == before
    assert [run["model"] for run in ledger(ready, "skipped")] == [
        m for m, _ in DUMP_FILES
    ]

    forced = scli(ready, "load-dump", "--force", "-q", str(dump))

    assert (forced.exit_code, forced.stdout) == (0, "")
    assert [run["model"] for run in ledger(ready)] == [m for m, _ in DUMP_FILES] * 2


def test_a_gzipped_dump_loads_the_same_records_with_the_same_digests(
    database_url: str, tmp_path: Path, dump: Path
) -> None:
    zipped = tmp_path / "zipped"
    make_dump(zipped, gzipped=True)
    plain_url = f"sqlite:///{tmp_path / 'plain.db'}"
    for url in (plain_url, database_url):
        scli(url, "init-db")

    plain = scli(plain_url, "load-dump", str(dump))
    result = scli(database_url, "load-dump", str(zipped))

    assert (plain.exit_code, result.exit_code) == (0, 0), result.output
    assert row(result.stdout, "stream") == ["internal/streams.csv.gz", "loaded"]
    assert loaded(database_url) == loaded(plain_url)
    assert row_counts(database_url) == row_counts(plain_url)


def test_an_absent_file_is_reported_not_fatal(ready: str, dump: Path) -> None:
    (dump / "vendor" / "reviews.json").unlink()

    result = scli(ready, "load-dump", str(dump))

    assert result.exit_code == 0, result.output
    assert row(result.stdout, "review") == ["vendor/reviews.json", "absent"]
    assert result.stdout.endswith("\n5 loaded, 1 absent\n")
    assert [run["model"] for run in ledger(ready)] == [m for m, _ in DUMP_FILES[:5]]


def test_strict_loads_nothing_when_a_file_is_absent(ready: str, dump: Path) -> None:
    (dump / "internal" / "streams.csv").unlink()
    before = snapshot(ready)

    result = scli(ready, "load-dump", "--strict", str(dump))

    assert result.exit_code == 1
    assert result.stderr == (
        f"scli: error: {dump} lacks internal/streams.csv (nor .gz): --strict loads "
        "nothing from an incomplete dump\n"
    )
    assert snapshot(ready) == before


def test_a_failed_file_is_rolled_back_the_others_load_and_the_exit_code_says_so(
    ready: str, dump: Path
) -> None:
    users = dump / "internal" / "users.csv"
    users.write_text("name,mail\nAda,ada@example.com\n")

    result = scli(ready, "load-dump", str(dump))

    assert result.exit_code == 1
    assert row(result.stdout, "user") == ["internal/users.csv", "failed"]
    assert result.stdout.endswith("\n5 loaded, 1 failed\n")
    assert result.stderr.endswith(
        f"\nscli: error: user: {users} is not a user file: its records lack email,"
        " first_name, last_name\n"
    )
    assert row_counts(ready)["user"] == 0
    assert [run["model"] for run in ledger(ready)] == [
        m for m, _ in DUMP_FILES if m != "user"
    ]


def test_strict_stops_at_the_first_failure(ready: str, dump: Path) -> None:
    gzip_file(dump / "internal" / "streams.csv")
    truncated = dump / "internal" / "streams.csv.gz"
    truncated.write_bytes(truncated.read_bytes()[:-20])

    result = scli(ready, "load-dump", "--strict", str(dump))

    assert result.exit_code == 1
    assert row(result.stdout, "stream") == ["internal/streams.csv.gz", "failed"]
    for model in ("author", "book", "review"):
        assert row(result.stdout, model)[1:] == ["not", "run"]
    assert f"scli: error: stream: {truncated} is not a valid gzip file" in (
        result.stderr
    )
    assert [run["model"] for run in ledger(ready)] == ["movie", "user"]


def test_max_rejects_fails_a_file_with_more_rejections(ready: str, dump: Path) -> None:
    result = scli(ready, "load-dump", "--max-rejects", "0", str(dump))

    assert result.exit_code == 1
    assert row(result.stdout, "author") == ["vendor/authors.json", "failed"]
    assert "scli: error: author: more than 0 record(s) rejected" in result.stderr


def test_a_folder_without_any_dump_file_is_an_error(ready: str, tmp_path: Path) -> None:
    result = scli(ready, "load-dump", str(tmp_path / "nowhere"))

    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"scli: error: {tmp_path / 'nowhere'} has none of the dump's files "
        "(internal/movies.csv, internal/users.csv"
    )
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("-", "- (standard input) is one file, not a dump folder"),
        ("sftp://u:pw@h/d", "cannot read sftp://u:***@h/d: unsupported scheme sftp"),
    ],
)
def test_a_location_that_cannot_be_a_dump_is_a_usage_error(
    location: str, message: str
) -> None:
    result = scli("sqlite://", "load-dump", location)

    assert result.exit_code == 2
    assert result.stderr.startswith(f"scli: error: {message}")
    assert "pw" not in result.stderr


def test_load_dump_help_lists_the_files_and_exit_codes() -> None:
    listed = scli("sqlite://", "--help")
    result = scli("sqlite://", "load-dump", "--help")

    assert "load-dump" in listed.output
    assert result.exit_code == 0
    for text in ("internal/movies.csv", "--strict", "Exit codes: 0", "ftp://"):
        assert text in result.output


def test_as_of_sets_every_file_s_effective_time(ready: str, dump: Path) -> None:
    as_of = "2021-12-02T02:00:00+01:00"

    result = scli(ready, "load-dump", "--as-of", as_of, str(dump))
    older = scli(ready, "load-dump", "--as-of", "2021-12-01T02:00:00+01:00", str(dump))

    assert result.exit_code == 0, result.output
    assert {run["as_of"][:19] for run in ledger(ready)} == {"2021-12-02T01:00:00"}
    assert older.exit_code == 0 and older.stdout.endswith("\n6 skipped\n")


def test_as_of_older_than_the_loaded_dump_fails_each_file_unless_forced(
    ready: str, dump: Path, tmp_path: Path
) -> None:
    scli(ready, "load-dump", "--as-of", "2021-12-02T02:00:00+01:00", str(dump))
    next_dump = tmp_path / "next"
    make_dump(next_dump, seed=2)
    args = ["load-dump", "--as-of", "2021-12-01T02:00:00+01:00", str(next_dump)]

    refused = scli(ready, *args)
    forced = scli(ready, *args, "--force")

    assert refused.exit_code == 1 and refused.stdout.endswith("\n6 failed\n")
    assert "older than the one already loaded as of" in refused.stderr
    assert forced.exit_code == 0 and forced.stdout.endswith("\n6 loaded\n")


def test_an_as_of_without_offset_is_a_usage_error(ready: str, dump: Path) -> None:
    result = scli(ready, "load-dump", "--as-of", "2021-12-02T02:00:00", str(dump))

    assert result.exit_code == 2
    assert "needs a UTC offset" in result.stderr
    assert ledger(ready) == []


def test_quiet_prints_only_the_errors(ready: str, dump: Path) -> None:
    clean = scli(ready, "load-dump", "-q", str(dump))
    users = dump / "internal" / "users.csv"
    users.write_text("name,mail\nAda,ada@example.com\n")

    failed = scli(ready, "load-dump", "-q", "--force", str(dump))

    assert (clean.exit_code, clean.stdout, clean.stderr) == (0, "", "")
    assert failed.exit_code == 1 and failed.stdout == ""
    (line,) = failed.stderr.splitlines()
    assert line.startswith(f"scli: error: user: {users} is not a user file")
