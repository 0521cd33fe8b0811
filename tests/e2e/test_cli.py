"""The command line, in-process, on SQLite and PostgreSQL."""

import json
from pathlib import Path

import pytest

from tests import records
from tests.conftest import SAMPLE_DATA
from tests.e2e.helpers import AS_OF, DATA_TABLES, LOADS, count_rows, scli, snapshot


def test_help_lists_every_command() -> None:
    result = scli("sqlite://", "--help")

    assert result.exit_code == 0
    for command in ("init-db", "load"):
        assert command in result.output


@pytest.mark.parametrize("command", ["init-db", "load"])
def test_every_command_has_help(command: str) -> None:
    result = scli("sqlite://", command, "--help")

    assert result.exit_code == 0
    assert "DATABASE_URL" in result.output


def test_no_arguments_shows_help() -> None:
    result = scli("sqlite://")

    assert result.exit_code == 0
    assert "Usage: " in result.output and "load" in result.output


def test_load_help_documents_exit_codes() -> None:
    result = scli("sqlite://", "load", "--help")

    assert "Exit codes: 0 loaded" in result.output
    assert "[movie|user|stream|author|book|review]" in result.output


def test_version() -> None:
    from strider_challenge import __version__

    result = scli("sqlite://", "--version")

    assert result.output.strip() == f"scli {__version__}"


def test_init_db_twice_is_fine(database_url: str) -> None:
    first = scli(database_url, "init-db")
    second = scli(database_url, "init-db")

    assert (first.exit_code, second.exit_code) == (0, 0)
    assert second.output.startswith("database ready: ")
    assert "@" not in database_url or ":" not in second.output.split("@")[0][-10:]


def test_init_db_quiet_prints_nothing(database_url: str) -> None:
    result = scli(database_url, "init-db", "--quiet")

    assert result.exit_code == 0 and result.output == ""


def test_the_six_sample_loads_then_a_reload_that_changes_nothing(ready: str) -> None:
    for model, collector, file in LOADS:
        result = scli(
            ready,
            "load",
            "--as-of",
            AS_OF,
            "--model",
            model,
            "--collector",
            collector,
            "--config",
            str(SAMPLE_DATA / file),
        )
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith(f"{model}: load #")
    loaded = snapshot(ready, DATA_TABLES)

    for model, collector, file in LOADS:
        result = scli(
            ready,
            "load",
            "--force",
            "--as-of",
            AS_OF,
            "-m",
            model,
            "-c",
            collector,
            "-f",
            str(SAMPLE_DATA / file),
        )
        assert "inserted 0, updated 0" in result.stdout

    assert snapshot(ready, DATA_TABLES) == loaded
    assert (
        len(loaded["stream"])
        == sum(1 for _ in (SAMPLE_DATA / "internal/streams.csv").open()) - 1
    )


def test_rejected_records_are_reported_on_stderr_with_their_position(
    ready: str, tmp_path: Path
) -> None:
    path = records.write_json(
        tmp_path / "authors.json",
        [records.author("A"), records.author(None), records.author("B")],
    )

    result = scli(ready, "load", "-m", "author", "-c", "json", "-f", str(path))

    assert result.exit_code == 0
    assert "inserted 2" in result.stdout and "rejected 1" in result.stdout
    assert result.stderr.splitlines() == [
        "author: 1 record rejected, not loaded (in rejected_record, load_id 1):",
        "  index 1: metadata.name: Input should be a valid string",
    ]


def test_csv_rejections_name_the_line(ready: str, tmp_path: Path) -> None:
    path = records.write_csv(
        tmp_path / "movies.csv",
        "movie",
        [records.movie("A"), records.movie("B", size_mb="big")],
    )

    result = scli(ready, "load", "-m", "movie", "-c", "csv", "-f", str(path))

    assert "  line 3: size_mb: Input should be a valid integer" in result.stderr


def test_quiet_load_prints_nothing_not_even_its_rejections(
    ready: str, tmp_path: Path
) -> None:
    path = records.write_json(
        tmp_path / "authors.json", [records.author("A"), records.author(None)]
    )

    result = scli(ready, "load", "-q", "-m", "author", "-f", str(path))

    assert result.exit_code == 0
    assert (result.stdout, result.stderr) == ("", "")
    (run,) = json.loads(scli(ready, "runs", "--format", "json").stdout)
    assert (run["inserted"], run["rejected"]) == (1, 1)


def test_quiet_load_still_prints_its_errors(ready: str, tmp_path: Path) -> None:
    path = records.write_json(tmp_path / "authors.json", [records.author(None)] * 2)
    args = ["load", "-q", "-m", "author", "-f", str(path)]

    too_many = scli(ready, *args, "--max-rejects", "1")
    missing = scli(ready, "load", "-q", "-m", "author", "-f", str(tmp_path / "no.json"))

    assert too_many.exit_code == 3 and too_many.stdout == ""
    assert too_many.stderr.startswith("scli: error: more than 1 record(s) rejected")
    assert missing.exit_code == 1 and missing.stdout == ""
    assert missing.stderr.startswith("scli: error: cannot read ")


@pytest.mark.parametrize(
    "args, message",
    [
        (["load", "-m", "movie", "-c", "csv"], "Missing option '--file'"),
        (["load", "-m", "film", "-c", "csv", "-f", "x"], "'film' is not one of movie"),
        (["load", "-m", "movie", "-c", "xml", "-f", "x"], "'xml' is not one of csv"),
        (["load", "--nope"], "No such option: --nope"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(
    ready: str, args: list[str], message: str
) -> None:
    before = snapshot(ready)

    result = scli(ready, *args)

    assert result.exit_code == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("scli: error: ") and message in line
    assert snapshot(ready) == before


def test_load_errors_are_one_line_exit_1_and_change_nothing(
    ready: str, tmp_path: Path
) -> None:
    kept = records.write_csv(tmp_path / "m.csv", "movie", [records.movie("Kept")])
    scli(ready, "load", "-m", "movie", "-c", "csv", "-f", str(kept))
    authors = records.write_json(tmp_path / "authors.json", [records.author()])
    truncated = tmp_path / "books.json"
    truncated.write_text('[{"name": "A", "pages": 1}, {"name": ')
    before = snapshot(ready, DATA_TABLES)
    cases = [
        (["-m", "movie", "-c", "csv", "-f", str(tmp_path / "absent.csv")], "cannot"),
        (["-m", "book", "-c", "json", "-f", str(authors)], "not a book file"),
        (["-m", "movie", "-c", "json", "-f", str(kept)], "not a JSON array"),
        (["-m", "book", "-c", "json", "-f", str(truncated)], "not valid JSON"),
        (["-m", "movie", "-c", "csv", "-f", str(tmp_path)], "cannot read"),
    ]

    for args, message in cases:
        result = scli(ready, "load", "--force", *args)
        assert result.exit_code == 1, (args, result.output)
        (line,) = result.stderr.splitlines()
        assert line.startswith("scli: error: ") and message in line, line
        assert "Traceback" not in result.output

    assert snapshot(ready, DATA_TABLES) == before
    failed = json.loads(
        scli(ready, "runs", "--status", "failed", "--format", "json").stdout
    )
    assert [run["rows_read"] for run in failed] == [0] * len(cases)


@pytest.mark.parametrize(
    "url, message",
    [
        ("nosuchdb://x", "unsupported database nosuchdb in 'nosuchdb://x'"),
        ("::", "invalid database URL '::'"),
        ("postgresql://nobody:secret@127.0.0.1:9/x", "database: connection to server"),
    ],
)
def test_database_errors_are_one_line(url: str, message: str) -> None:
    result = scli(url, "init-db")

    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert message in line
    assert "secret" not in line


def test_database_url_option_wins_over_the_environment(tmp_path: Path) -> None:
    target = tmp_path / "chosen.db"

    result = scli(
        "sqlite:///ignored.db", "init-db", "--database-url", f"sqlite:///{target}"
    )

    assert result.exit_code == 0
    assert target.exists() and not Path("ignored.db").exists()


def commands_that_need_tables(tmp_path: Path) -> list[list[str]]:
    """`load`, `load-dump` and `runs`, each with what it needs to run."""
    path = records.write_csv(tmp_path / "m.csv", "movie", [records.movie("A")])
    return [
        ["load", "-m", "movie", "-c", "csv", "-f", str(path)],
        ["load-dump", str(SAMPLE_DATA)],
        ["runs"],
    ]


def test_a_database_without_tables_says_to_run_init_db(
    database_url: str, tmp_path: Path
) -> None:
    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).touch()  # an empty file

    results = [
        scli(database_url, *args) for args in commands_that_need_tables(tmp_path)
    ]

    for result in results:
        assert result.exit_code == 1
        assert (result.stdout, result.stderr) == (
            "",
            "scli: error: the database has no tables yet: run `scli init-db` first\n",
        )
    assert snapshot(database_url) == {}


def test_no_command_but_init_db_makes_a_missing_sqlite_file(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.db"
    url = f"sqlite:///{missing}"
    commands = [*commands_that_need_tables(tmp_path), ["query", "SELECT 1"]]

    results = [scli(url, *args) for args in commands]
    check = scli(url, "init-db", "--check")

    for result in results:
        assert result.exit_code == 1
        assert result.stderr == (
            f"scli: error: no SQLite database at {missing}: create it with "
            "`scli init-db`\n"
        )
    assert check.exit_code == 1
    assert check.stdout.startswith("out of date: no tables yet, newest is ")
    assert not missing.exists()
    assert scli(url, "init-db").exit_code == 0 and missing.exists()


def test_load_takes_file_or_its_earlier_name_config(ready: str, tmp_path: Path) -> None:
    movies = records.write_csv(tmp_path / "m.csv", "movie", [records.movie("A")])
    books = records.write_json(tmp_path / "b.json", [records.book("B")])

    by_file = scli(ready, "load", "-m", "movie", "--file", str(movies))
    by_config = scli(ready, "load", "-m", "book", "--config", str(books))
    shown = scli(ready, "load", "--help").output

    assert (by_file.exit_code, by_config.exit_code) == (0, 0)
    assert "inserted 1" in by_file.stdout and "inserted 1" in by_config.stdout
    assert "-f, --file, --config LOCATION" in shown


def test_runs_limit_and_model_choose_the_loads_shown(ready: str) -> None:
    for model, collector, file in LOADS:
        args = ["load", "-q", "-m", model, "-c", collector, "-f"]
        assert scli(ready, *args, str(SAMPLE_DATA / file)).exit_code == 0

    latest = json.loads(scli(ready, "runs", "-n", "2", "--format", "json").stdout)
    users = json.loads(scli(ready, "runs", "-m", "user", "--format", "json").stdout)
    table = scli(ready, "runs", "--limit", "1", "--model", "book").stdout

    assert [run["model"] for run in latest] == ["review", "book"]
    assert [run["model"] for run in users] == ["user"]
    assert len(table.splitlines()) == 2 and " book " in table


def test_a_file_already_loaded_is_skipped_unless_forced(
    ready: str, tmp_path: Path
) -> None:
    path = records.write_csv(tmp_path / "m.csv", "movie", [records.movie("A")])
    args = ["load", "-m", "movie", "-c", "csv", "-f", str(path)]
    scli(ready, *args)

    skipped = scli(ready, *args)
    quiet = scli(ready, *args, "--quiet")
    forced = scli(ready, *args, "--force")

    assert skipped.exit_code == 0
    assert skipped.stdout.startswith(
        f"movie: skipped, {path} was already loaded by load #1"
    )
    assert quiet.stdout == ""
    assert forced.stdout.startswith(
        # Loads #2 and #3 are the two skips, on record.
        "movie: load #4: read 1, inserted 0, updated 0, unchanged 1"
    )


def test_max_rejects_exceeded_exits_3_and_loads_nothing(
    ready: str, tmp_path: Path
) -> None:
    path = records.write_csv(
        tmp_path / "m.csv",
        "movie",
        [
            records.movie("A"),
            records.movie("B", size_mb="x"),
            records.movie("C", size_mb="y"),
        ],
    )
    before = snapshot(ready, DATA_TABLES)

    args = ["load", "-m", "movie", "-c", "csv", "-f", str(path), "--max-rejects"]

    refused = scli(ready, *args, "1")
    unchanged = snapshot(ready, DATA_TABLES)
    allowed = scli(ready, *args, "2")

    assert refused.exit_code == 3
    (line,) = refused.stderr.splitlines()
    assert "more than 1 record(s) rejected (the last at 4: size_mb" in line
    assert unchanged == before
    assert allowed.exit_code == 0 and "rejected 2" in allowed.stdout


def test_runs_lists_the_ledger_as_a_table_or_json(ready: str, tmp_path: Path) -> None:
    empty = scli(ready, "runs")
    movies = records.write_csv(tmp_path / "m.csv", "movie", [records.movie("A")])
    users = records.write_csv(tmp_path / "u.csv", "user", [records.user()])
    scli(ready, "load", "-m", "movie", "-c", "csv", "-f", str(movies))
    scli(ready, "load", "-m", "user", "-c", "csv", "-f", str(users))

    table = scli(ready, "runs")
    as_json = scli(ready, "runs", "--format", "json", "--model", "movie")

    assert empty.stdout == "no loads recorded yet\n"
    header, *lines = table.stdout.splitlines()
    assert header.split()[:5] == ["id", "model", "status", "mode", "as_of"]
    assert [line.split()[:4] for line in lines] == [
        ["2", "user", "succeeded", "full"],
        ["1", "movie", "succeeded", "full"],
    ]
    (run,) = json.loads(as_json.stdout)
    assert run["model"] == "movie" and run["inserted"] == 1 and run["rows_read"] == 1
    assert len(run["sha256"]) == 64 and run["source"] == str(movies)


def test_init_db_check_says_whether_the_schema_is_up_to_date(database_url: str) -> None:
    empty = scli(database_url, "init-db", "--check")
    scli(database_url, "init-db")
    ready = scli(database_url, "init-db", "--check")

    assert empty.exit_code == 1
    assert empty.stdout.startswith("out of date: no tables yet, newest is ")
    assert ready.exit_code == 0 and ready.stdout.startswith("up to date: schema ")


def test_init_db_check_names_an_older_revision(sqlite_url: str) -> None:
    from sqlalchemy import create_engine

    from strider_challenge.adapters import schema

    engine = create_engine(sqlite_url)
    with engine.begin() as connection:
        schema.upgrade(connection, "0002")
    engine.dispose()

    result = scli(sqlite_url, "init-db", "--check")

    assert result.exit_code == 1
    assert result.stdout.startswith("out of date: schema 0002, newest is ")


@pytest.mark.parametrize(
    "value, message",
    [
        ("yesterday", "'yesterday' is not an ISO 8601 timestamp"),
        ("2021-12-02T02:00:00", "needs a UTC offset"),
    ],
)
def test_as_of_must_be_an_instant(value: str, message: str) -> None:
    result = scli("sqlite://", "load", "-m", "movie", "-f", "x.csv", "--as-of", value)

    assert result.exit_code == 2
    assert message in result.stderr


def test_load_help_states_each_model_s_default_mode() -> None:
    result = scli("sqlite://", "load", "--help")

    assert "movie full, user full, stream incremental" in " ".join(
        result.output.split()
    )


def test_the_readme_s_worked_example_of_history(ready: str, tmp_path: Path) -> None:
    def books(*pairs: tuple[str, str]) -> list[dict[str, object]]:
        return [records.book(title, publisher=publisher) for title, publisher in pairs]

    days = {
        "2021-12-01T02:00:00+01:00": books(("A", "Pan"), ("B", "Pan"), ("C", "Pan")),
        "2021-12-02T02:00:00+01:00": books(("A", "Pan"), ("B", "PAN"), ("D", "Pan")),
        "2021-12-03T02:00:00+01:00": books(
            ("A", "Pan"), ("B", "PAN"), ("C", "Pan"), ("D", "Pan")
        ),
    }
    outputs = []
    for day, content in days.items():
        path = records.write_json(tmp_path / f"{day[:10]}.json", content)
        # Dec 2 marks 1 of 3 books deleted, more than the default 10%.
        result = scli(
            ready,
            "load",
            "-m",
            "book",
            "-c",
            "json",
            "-f",
            str(path),
            "--as-of",
            day,
            "--max-deletes",
            "50",
        )
        outputs.append(result.stdout)
    again = ["load", "-m", "book", "-c", "json", "-f", str(path), "--as-of", day]

    skipped = scli(ready, *again)
    replay = scli(ready, *again, "--force")

    assert (
        "inserted 1, updated 1, unchanged 1, rejected 0, duplicates 0, deleted 1"
        in outputs[1]
    )
    assert (
        "updated 1, unchanged 3, rejected 0, duplicates 0, deleted 0, undeleted 1"
        in outputs[2]
    )
    assert "skipped" in skipped.stdout
    assert "inserted 0, updated 0, unchanged 4," in replay.stdout
    history = snapshot(ready, frozenset({"book_history"}))["book_history"]
    assert len(history) == 2  # the versions that ended: B Pan, C on Dec 1
    assert count_rows(ready, "book_versions") == 6  # A, B, C, B PAN, D, C again
