"""`scli report` and `scli query` in-process, on SQLite and PostgreSQL."""

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from strider_challenge.adapters.database import create_database_engine
from strider_challenge.entrypoints.cli import app
from tests import records
from tests.e2e.helpers import scli, snapshot
from tests.report_data import RULES_DUMP, load_dump

RULES_ANSWERS = {
    "pct_streamed_movies_based_on_books": 60.0,
    "users_affected_by_outage": 2,
    "movies_from_nationality_authors_streamed_in_month": 2,
    "avg_stream_duration_seconds": 4886,
    "median_stream_size_gb": 0.61,
    "users_watched_half_movie_last_week": 2,
}


def load(database_url: str, folder: Path, **rows: list[dict[str, str]]) -> str:
    engine = create_database_engine(database_url)
    try:
        load_dump(engine, folder, **rows)
    finally:
        engine.dispose()
    return database_url


@pytest.fixture
def rules(database_url: str, tmp_path: Path) -> str:
    """A database holding the rules dump."""
    return load(database_url, tmp_path, **RULES_DUMP)


@pytest.fixture
def empty(database_url: str) -> str:
    """A database with its tables and no rows."""
    assert scli(database_url, "init-db").exit_code == 0
    return database_url


@pytest.mark.parametrize(
    ("command", "formats"),
    [("report", "[table|csv|json|html]"), ("query", "[table|csv|json]")],
)
def test_the_commands_are_listed_and_have_help(command: str, formats: str) -> None:
    listed = scli("sqlite://", "--help")
    result = scli("sqlite://", command, "--help")

    assert command in listed.output
    assert result.exit_code == 0
    assert "DATABASE_URL" in result.output and formats in result.output
    assert "Exit codes: 0" in result.output


def test_report_json_is_one_object_of_numbers(rules: str) -> None:
    result = scli(rules, "report", "--format", "json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == RULES_ANSWERS
    assert '"median_stream_size_gb": 0.61' in result.stdout
    assert result.stderr == ""


def test_report_csv_is_a_header_and_one_row(rules: str) -> None:
    result = scli(rules, "report", "--format", "csv")

    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows == [
        list(RULES_ANSWERS),
        ["60.00", "2", "2", "4886", "0.61", "2"],
    ]


def test_report_table_says_what_each_answer_is(rules: str) -> None:
    result = scli(rules, "report")

    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "scli report: 2021-12, business time +01:00",
        "",
        "question                                                                  "
        "           answer",
        "------------------------------------------------------------------------"
        "-----------  ------",
        "streamed movies based on a book (%)                                       "
        "            60.00",
        "users streaming Unforgiven during the outage (2021-12-25 07:00 to 2021-12-25"
        " 12:00)       2",
        "movies based on books by singaporeans authors, streamed in 2021-12        "
        "                2",
        "average stream duration (seconds)                                         "
        "            4,886",
        "median stream size (GB)                                                   "
        "             0.61",
        "users who watched half a movie or more in the last week (2021-12-25 to "
        "2021-12-31)        2",
    ]


def test_report_options_change_the_answers_and_the_questions(rules: str) -> None:
    options = ["--timezone", "UTC", "--outage-movie", "alien", "--nationality"]
    result = scli(rules, "report", *options, "chileans")
    answers = json.loads(
        scli(rules, "report", "--format", "json", *options, "x").stdout
    )

    assert "users streaming alien during the outage (2021-12-25 07:00 to" in (
        result.stdout
    )
    assert "business time UTC" in result.stdout
    assert "movies based on books by chileans authors" in result.stdout
    assert answers["users_affected_by_outage"] == 0
    assert answers["movies_from_nationality_authors_streamed_in_month"] == 0
    assert answers["users_watched_half_movie_last_week"] == 2  # a@x and e@x


def test_report_on_an_empty_database_says_so_and_answers_nothing(empty: str) -> None:
    as_json = scli(empty, "report", "--format", "json")
    as_table = scli(empty, "report")

    assert as_json.exit_code == 0 and as_table.exit_code == 0
    assert json.loads(as_json.stdout) == dict.fromkeys(RULES_ANSWERS)
    assert "the database has no streams" in as_json.stderr
    assert as_json.stderr.count("\n") == 1
    assert all(line.endswith("  -") for line in as_table.stdout.splitlines()[4:])


def test_report_without_tables_is_one_clear_error(database_url: str) -> None:
    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).touch()  # an empty file

    result = scli(database_url, "report")

    assert result.exit_code == 1
    assert result.stderr == (
        "scli: error: the database has no movie, stream, author, book, review "
        "table(s): run `scli init-db`, then load the dumps with `scli load`\n"
    )


def test_report_does_not_create_a_missing_sqlite_file(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.db"

    result = scli(f"sqlite:///{missing}", "report")

    assert result.exit_code == 1
    assert result.stderr == (
        f"scli: error: no SQLite database at {missing}: create it with `scli "
        "init-db`\n"
    )
    assert not missing.exists()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--format", "xml"], "'--format': 'xml' is not one of table, csv, json"),
        (["--month", "2021-13"], "'--month': '2021-13' is not a month like 2021-12"),
        (["--timezone", "Mars/Base"], "'--timezone': 'Mars/Base' is neither"),
        (["--nationality", "Singaporeans"], "is not a nationality slug"),
        (["--outage-start", "noon"], "'noon' is not a date and time"),
        (["--outage-end", "2021-12-25 06:00"], "the outage ends (2021-12-25 06:00)"),
    ],
)
def test_report_refuses_bad_options_with_one_line(
    options: list[str], message: str
) -> None:
    result = scli("sqlite://", "report", *options)

    assert result.exit_code == 2
    assert message in result.stderr and result.stderr.count("\n") == 1


def test_a_bad_database_url_is_one_line() -> None:
    result = scli("nosuchdb://x", "query", "SELECT 1")

    assert result.exit_code == 1
    assert result.stderr.startswith("scli: error: unsupported database nosuchdb")


def test_query_prints_a_table_by_default(rules: str) -> None:
    result = scli(
        rules, "query", "SELECT title, duration_mins FROM movie ORDER BY title LIMIT 2"
    )

    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "title  duration_mins",
        "-----  -------------",
        "Alien            117",
        "End               90",
        "(2 rows)",
    ]


def test_query_csv_and_json(rules: str) -> None:
    sql = "SELECT title, size_mb FROM movie WHERE title = 'Ran'"

    as_csv = scli(rules, "query", "--format", "csv", sql)
    as_json = scli(rules, "query", sql, "--format", "json")

    assert as_csv.stdout == "title,size_mb\nRan,1100\n"
    assert json.loads(as_json.stdout) == [{"title": "Ran", "size_mb": 1100}]


def test_query_instants_read_the_same_on_both_databases(rules: str) -> None:
    sql = "SELECT start_at FROM stream WHERE user_email = 'g@x'"

    result = scli(rules, "query", "--format", "csv", sql)

    # SQLite returns the stored text, PostgreSQL an instant shown in UTC.
    expected = {"sqlite": "22:30:00.000000+00:00", "postgresql": "22:30:00+00:00"}
    dialect = rules.split(":")[0].split("+")[0]
    assert result.stdout == f"start_at\n2021-11-30 {expected[dialect]}\n"


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO movie (title, duration_mins, original_language, size_mb) "
        "VALUES ('Heat 2', 1, 'English', 1)",
        "UPDATE stream SET size_mb = 0",
        "CREATE TABLE intruder (x INTEGER)",
    ],
)
def test_query_refuses_writes_and_changes_nothing(rules: str, sql: str) -> None:
    before = snapshot(rules)

    result = scli(rules, "query", sql)

    assert result.exit_code == 1
    assert result.stderr.startswith("scli: error: database: ")
    assert result.stderr.count("\n") == 1
    assert "read" in result.stderr  # "readonly database" / "read-only transaction"
    assert snapshot(rules) == before


def test_query_sql_errors_are_one_line(empty: str) -> None:
    result = scli(empty, "query", "SELEC 1")

    assert result.exit_code == 1
    assert result.stderr.startswith("scli: error: database: ")
    assert "SELEC" in result.stderr and result.stderr.count("\n") == 1


def test_query_reads_a_file_or_stdin(empty: str, tmp_path: Path) -> None:
    script = tmp_path / "count.sql"
    script.write_text("-- how many movies\nSELECT count(*) AS movies FROM movie;\n")

    from_file = scli(empty, "query", "-f", str(script))
    from_stdin = CliRunner().invoke(
        app,
        ["query", "--file", "-", "--format", "json"],
        input="SELECT count(*) AS movies FROM movie",
        env={"DATABASE_URL": empty},
    )

    assert from_file.stdout.splitlines() == ["movies", "------", "     0", "(1 row)"]
    assert json.loads(from_stdin.stdout) == [{"movies": 0}]


def test_query_without_a_result_set(empty: str) -> None:
    statement = (
        "PRAGMA foreign_keys = ON" if empty.startswith("sqlite") else "SET x.y = 1"
    )

    result = scli(empty, "query", statement)

    assert result.exit_code == 0 and result.stdout == "(no result set)\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give the SQL as an argument or with --file"),
        (["SELECT 1", "-f", "x.sql"], "give the SQL as an argument or with --file"),
        (["  "], "the SQL is empty"),
        (["SELECT 1", "--format", "yaml"], "'yaml' is not one of table, csv, json"),
    ],
)
def test_query_usage_errors(args: list[str], message: str) -> None:
    result = scli("sqlite://", "query", *args)

    assert result.exit_code == 2
    assert message in result.stderr and result.stderr.count("\n") == 1


def test_query_a_file_that_cannot_be_read(tmp_path: Path) -> None:
    binary = tmp_path / "binary.sql"
    binary.write_bytes(b"\xff\xfe\x00")

    missing = scli("sqlite://", "query", "-f", str(tmp_path / "missing.sql"))
    garbled = scli("sqlite://", "query", "-f", str(binary))

    assert missing.exit_code == 1 and garbled.exit_code == 1
    assert missing.stderr == (
        f"scli: error: cannot read {tmp_path / 'missing.sql'}: No such file or "
        "directory\n"
    )
    assert garbled.stderr.startswith(f"scli: error: cannot read {binary}: ")


def test_query_on_sqlite_in_memory_has_no_tables() -> None:
    result = scli("sqlite://", "query", "SELECT count(*) FROM movie")

    assert result.exit_code == 1
    assert result.stderr == "scli: error: database: no such table: movie\n"


def test_the_report_after_a_load_through_the_cli(
    sqlite_url: str, tmp_path: Path
) -> None:
    movies = records.write_csv(tmp_path / "m.csv", "movie", [records.movie()])
    streams = records.write_csv(tmp_path / "s.csv", "stream", [records.stream()])
    assert scli(sqlite_url, "init-db").exit_code == 0
    for model, path in (("movie", movies), ("stream", streams)):
        assert (
            scli(
                sqlite_url, "load", "-m", model, "-c", "csv", "-f", str(path)
            ).exit_code
            == 0
        )

    result = scli(sqlite_url, "report", "--format", "json")

    assert json.loads(result.stdout)["users_affected_by_outage"] == 1


@pytest.mark.parametrize(
    "args",
    [
        ["-- count the movies\nSELECT count(*) AS n FROM movie"],
        ["--format", "json", "-- count the movies\nSELECT count(*) AS n FROM movie"],
        ["-- count the movies\nSELECT count(*) AS n FROM movie", "--format", "json"],
        ["--format", "json", "--", "-- count\nSELECT count(*) AS n FROM movie"],
    ],
)
def test_query_sql_that_begins_with_a_comment_is_the_argument(
    empty: str, args: list[str]
) -> None:
    result = scli(empty, "query", *args)

    assert result.exit_code == 0, result.stderr
    if "json" in args:
        assert json.loads(result.stdout) == [{"n": 0}]
    else:
        assert result.stdout.splitlines()[-1] == "(1 row)"


def test_query_of_several_statements_writes_nothing(rules: str) -> None:
    before = snapshot(rules)

    result = scli(rules, "query", "COMMIT; BEGIN READ WRITE; DELETE FROM movie; COMMIT")

    assert result.exit_code == 1
    assert result.stderr.startswith("scli: error: database: ")
    assert result.stderr.count("\n") == 1
    assert snapshot(rules) == before
