"""The examples of the README (and of the other docs' SQL), run as they are written."""

import json
import re
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from strider_challenge.entrypoints.cli import app
from tests import records
from tests.broker import nats_server
from tests.conftest import ROOT
from tests.e2e.helpers import scli
from tests.servers import API_TOKEN, api_server, row_counts

README = ROOT / "README.md"
#: Every document whose SQL examples say which database they are for.
SQL_DOCS = (README, ROOT / "docs" / "architecture.md", ROOT / "sql" / "README.md")

#: The first line of a SQL example names its database(s).
LABEL = re.compile(r"^-- (PostgreSQL and SQLite|PostgreSQL|SQLite)\b")
DIALECTS = {
    "PostgreSQL and SQLite": {"postgresql", "sqlite"},
    "PostgreSQL": {"postgresql"},
    "SQLite": {"sqlite"},
}


@dataclass(frozen=True)
class Block:
    """A fenced code block: the section it is in, its language and its text."""

    section: str
    language: str
    text: str


def blocks(path: Path, language: str) -> list[Block]:
    """The fenced blocks of one language, with the `## ` section each is in."""
    found, section = [], ""
    lines = iter(path.read_text(encoding="utf-8").splitlines())
    for line in lines:
        if line.startswith("## "):
            section = line[3:].strip()
        elif line.strip().startswith("```") and line.strip() != "```":
            fence = line.strip()[3:]
            body = []
            for inner in lines:
                if inner.strip() == "```":
                    break
                body.append(inner)
            if fence == language:
                found.append(Block(section, fence, "\n".join(body)))
    return found


def dialect(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def statements(sql: str) -> list[str]:
    """The statements of an example, one per `;` at a line's end."""
    parts = re.split(r";[ \t]*$", sql, flags=re.M)
    return [part.strip() for part in parts if _code(part)]


def _code(part: str) -> str:
    return "\n".join(
        line for line in part.splitlines() if not line.strip().startswith("--")
    ).strip()


@dataclass(frozen=True)
class Command:
    """One `scli` line of a shell example: its arguments, stdin, and its comment."""

    args: list[str]
    stdin: str | None
    comment: str


def commands(block: Block) -> list[Command]:
    """The block's `scli` lines; `echo TEXT | scli ...` gives TEXT on stdin."""
    found = []
    for line in block.text.splitlines():
        code, _, comment = line.partition("  #")
        words = shlex.split(code)
        stdin = None
        if "|" in words:
            pipe = words.index("|")
            assert words[0] == "echo", line
            stdin, words = " ".join(words[1:pipe]) + "\n", words[pipe + 1 :]
        if words[:1] == ["scli"]:
            found.append(Command(words[1:], stdin, comment.strip()))
    return found


def run(url: str, command: Command) -> Result:
    return CliRunner().invoke(
        app, command.args, input=command.stdin, env={"DATABASE_URL": url}
    )


def command_line_block() -> Block:
    first, *_ = [b for b in blocks(README, "sh") if b.section == "The command line"]
    return first


def run_command_line_examples(url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the README's command-line examples from the root: the sample is loaded."""
    monkeypatch.chdir(ROOT)
    for command in commands(command_line_block()):
        result = run(url, command)
        assert result.exit_code == 0, (command.args, result.output)
    return url


@pytest.fixture
def sample(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The database after the README's command-line examples."""
    return run_command_line_examples(database_url, monkeypatch)


def query(url: str, sql: str) -> list[dict[str, object]]:
    """Run SQL as a reader pastes an example: `scli query -f -`, the SQL on stdin."""
    command = Command(["query", "--format", "json", "-f", "-"], sql, "")
    result = run(url, command)
    assert result.exit_code == 0, (sql, result.output)
    rows: list[dict[str, object]] = json.loads(result.stdout)
    return rows


def test_the_command_line_examples_load_the_sample_and_list_it(sample: str) -> None:
    shown = commands(command_line_block())
    latest = json.loads(scli(sample, "runs", "--format", "json").stdout)

    assert ["--version"] in [command.args for command in shown]
    assert [run["model"] for run in latest] == [
        "review",
        "book",
        "author",
        "user",
        "stream",
        "movie",
    ]


def test_every_sql_example_says_which_database_it_is_for() -> None:
    examples = [
        (path.name, block) for path in SQL_DOCS for block in blocks(path, "sql")
    ]
    files = sorted((ROOT / "sql").glob("*.sql"))

    assert len(examples) >= 6
    for name, block in examples:
        assert LABEL.match(block.text), (name, block.text.splitlines()[0])
    for path in files:
        assert path.read_text().startswith("-- PostgreSQL ("), path.name


def test_every_sql_example_runs_on_the_databases_it_names(sample: str) -> None:
    ran = 0
    for path in SQL_DOCS:
        for block in blocks(path, "sql"):
            label = LABEL.match(block.text)
            if label is None:
                continue
            if dialect(sample) in DIALECTS[label.group(1)]:
                for sql in statements(block.text):
                    query(sample, sql)
                    ran += 1

    assert ran >= (5 if dialect(sample) == "sqlite" else 8)


def test_the_ledger_query_of_each_database_lists_the_day_s_loads(sample: str) -> None:
    (form,) = [
        block.text
        for block in blocks(README, "sql")
        if "FROM load_run" in block.text
        and block.text.startswith(
            "-- SQLite" if dialect(sample) == "sqlite" else "-- PostgreSQL\n"
        )
    ]

    rows = query(sample, form)
    as_argument = scli(sample, "query", "--format", "json", "--", form)

    assert [row["id"] for row in rows] == [1, 2, 3, 4, 5, 6]
    assert [row["rejected"] for row in rows] == [0, 0, 0, 1, 0, 0]
    assert json.loads(as_argument.stdout) == rows


def test_quoted_user_is_the_table_on_both_databases(sample: str) -> None:
    quoted = query(sample, 'SELECT count(*) AS n FROM "user"')

    assert quoted == [{"n": 300}]
    if dialect(sample) == "postgresql":  # the trap the README warns of
        assert query(sample, "SELECT count(*) AS n FROM user") == [{"n": 1}]


def test_the_query_examples_run_where_they_say(sample: str) -> None:
    (block,) = [b for b in blocks(README, "sh") if "scli query -f -" in b.text]
    results = {
        tuple(command.args): (command, run(sample, command))
        for command in commands(block)
    }

    assert len(results) == 3
    for command, result in results.values():
        postgres_only = "PostgreSQL only" in command.comment
        if dialect(sample) == "sqlite" and postgres_only:
            assert result.exit_code == 1
            assert result.stderr == (
                'scli: error: database: near "WITHIN": syntax error\n'
            )
        else:
            assert result.exit_code == 0, (command.args, result.output)
    piped = [result for command, result in results.values() if command.stdin]
    assert [line.strip() for line in piped[0].stdout.splitlines()[-2:]] == [
        "300",
        "(1 row)",
    ]


def test_the_query_that_begins_with_a_comment_runs_as_written(sample: str) -> None:
    (block,) = [b for b in blocks(README, "sh") if b.text.startswith('scli query "--')]
    words = shlex.split(block.text)

    result = run(sample, Command(words[1:], None, ""))

    assert words[2].startswith("-- ") and "\n" in words[2]
    assert result.exit_code == 0, result.output
    (movies,) = query(sample, "SELECT count(*) AS n FROM movie")
    assert result.stdout.splitlines()[-2:] == [f"{movies['n']:>6}", "(1 row)"]


def test_the_check_examples_run(sample: str) -> None:
    (block,) = [b for b in blocks(README, "sh") if b.text.startswith("scli check")]
    table, as_json = (run(sample, command) for command in commands(block))

    found = json.loads(as_json.stdout)
    assert table.exit_code == 0 and table.stdout.startswith("scli check: ")
    assert as_json.exit_code == (1 if any(f["count"] for f in found.values()) else 0)


def test_the_median_s_sqlite_form_gives_the_report_s_median(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sample = run_command_line_examples(sqlite_url, monkeypatch)
    (form,) = [
        b.text for b in blocks(ROOT / "sql" / "README.md", "sql") if "median" in b.text
    ]
    report = json.loads(scli(sample, "report", "--format", "json").stdout)

    assert query(sample, form) == [
        {"median_stream_size_gb": report["median_stream_size_gb"]}
    ]


def test_the_load_dump_example_prints_the_table_shown(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    assert scli(database_url, "init-db").exit_code == 0
    text = README.read_text()
    shown = text[text.index("```text\ndump data\n") + 8 :]
    shown = shown[: shown.index("```")]

    result = scli(database_url, "load-dump", "data")

    assert result.exit_code == 0
    assert [line.rstrip() for line in result.stdout.splitlines()] == (
        shown.splitlines()
    )


#: The worked example's three book dumps: (effective time, books with publishers).
WORKED_EXAMPLE = (
    (
        "2021-12-01T02:00:00+00:00",
        {"Animal Farm": "Penguin", "Brave New World": "Pan", "Catch-22": "Vintage"},
    ),
    (
        "2021-12-02T02:00:00+00:00",
        {"Animal Farm": "Penguin", "Brave New World": "PAN", "Dune": "Ace"},
    ),
    (
        "2021-12-03T02:00:00+00:00",
        {
            "Animal Farm": "Penguin",
            "Brave New World": "PAN",
            "Catch-22": "Vintage",
            "Dune": "Ace",
        },
    ),
)


def test_the_history_worked_example_and_its_as_of_query(
    database_url: str, tmp_path: Path
) -> None:
    assert scli(database_url, "init-db").exit_code == 0
    for night, (as_of, books) in enumerate(WORKED_EXAMPLE):
        path = tmp_path / f"books_{night}.json"
        path.write_text(
            json.dumps([records.book(t, publisher=p) for t, p in books.items()])
        )
        loaded = scli(
            database_url,
            "load",
            "--model",
            "book",
            "--file",
            str(path),
            "--as-of",
            as_of,
            "--max-deletes",
            "50",
        )
        assert loaded.exit_code == 0, loaded.output
    runs = json.loads(scli(database_url, "runs", "--format", "json").stdout)
    counts = {
        run["id"]: {
            k: run[k]
            for k in ("inserted", "updated", "unchanged", "deleted", "undeleted")
        }
        for run in runs
    }
    (as_of_query,) = [
        block.text
        for block in blocks(README, "sql")
        if "FROM book_versions" in block.text
        and block.text.startswith(
            "-- SQLite" if dialect(database_url) == "sqlite" else "-- PostgreSQL"
        )
    ]
    noon_dec_2 = as_of_query.replace("2021-12-01 12:00", "2021-12-02 12:00")

    assert counts[2] == {
        "inserted": 1,
        "updated": 1,
        "unchanged": 1,
        "deleted": 1,
        "undeleted": 0,
    }
    assert counts[3] == {
        "inserted": 0,
        "updated": 1,
        "unchanged": 3,
        "deleted": 0,
        "undeleted": 1,
    }
    assert [row["publisher"] for row in query(database_url, as_of_query)] == ["Pan"]
    assert [row["publisher"] for row in query(database_url, noon_dec_2)] == ["PAN"]
    history = query(database_url, "SELECT title FROM book_history ORDER BY title")
    assert [row["title"] for row in history] == ["Brave New World", "Catch-22"]
    assert "given `--max-deletes 50`" in " ".join(README.read_text().split())


HTTP_API = "HTTP API: `scli serve`"


def test_the_http_api_examples_answer_as_the_readme_says(
    ready: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve_block, curl_block = [b for b in blocks(README, "sh") if b.section == HTTP_API]
    lines = [line for line in curl_block.text.splitlines() if line.startswith("curl ")]
    monkeypatch.chdir(ROOT)

    assert "scli serve --port 8000" in serve_block.text
    with api_server(ready) as base:
        answers = []
        for line in lines:
            # --fail-with-body: an error status fails the example, its body shown.
            command = line.replace("http://127.0.0.1:8000", base, 1).replace(
                "curl ", "curl --fail-with-body ", 1
            )
            done = subprocess.run(
                ["bash", "-c", command],
                env={"SCLI_API_TOKEN": API_TOKEN, "PATH": "/usr/bin:/bin"},
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert done.returncode == 0, (line, done.stdout, done.stderr)
            answers.append(json.loads(done.stdout))
    health, movies, authors, streams, movie_loads, load, rejections, report = answers
    printed = scli(
        ready,
        "report",
        "--format",
        "json",
        "--month",
        "2021-12",
        "--timezone",
        "+01:00",
    )

    assert health == {"status": "ok"}
    assert (movies["run_id"], movies["inserted"]) == (1, 60)
    assert (authors["run_id"], authors["rejected"]) == (2, 1)
    assert streams["inserted"] == streams["rows_read"] > 0
    assert [run["id"] for run in movie_loads] == [1]
    assert (load["model"], load["rejected"]) == ("author", 1)
    assert rejections == authors["rejections"]
    assert report == json.loads(printed.stdout)
    streamed = (ROOT / "data" / "internal" / "streams.csv").read_text()
    assert row_counts(ready) == {
        "movie": 60,
        "stream": len(streamed.splitlines()) - 1,
        "author": 79,
        "user": 0,
        "book": 0,
        "review": 0,
    }


def test_the_consume_example_publishes_and_loads_the_sample_streams(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The publisher and the `scli consume` line, on a broker of the test's own."""
    section = "Events: `scli consume`"
    (publisher,) = [b for b in blocks(README, "python") if b.section == section]
    (shell,) = [b for b in blocks(README, "sh") if b.section == section]
    (command,) = commands(shell)
    monkeypatch.chdir(ROOT)
    scli(database_url, "init-db")
    with nats_server(tmp_path / "jetstream") as url:
        exec(publisher.text.replace("nats://127.0.0.1:4222", url), {})  # noqa: S102
        args = [url if arg == "nats://127.0.0.1:4222" else arg for arg in command.args]
        result = run(database_url, Command(args, None, ""))

    assert result.exit_code == 0, result.output
    (said,) = result.output.splitlines()
    assert f"It prints `{said}`" in " ".join(README.read_text().split())
