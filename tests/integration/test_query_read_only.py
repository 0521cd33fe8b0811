"""Ad-hoc SQL runs in a session the database itself keeps read-only."""

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url

from strider_challenge.adapters.database import create_database_engine
from strider_challenge.adapters.queries import SqlAnswerQueries, queries_for
from strider_challenge.domain.answers import AnswerError, QueryResult
from strider_challenge.service_layer import answers, read_only
from strider_challenge.service_layer.read_only import SqlAlchemyReadOnlyUnitOfWork
from tests import records
from tests.e2e.helpers import snapshot
from tests.report_data import load_dump, run_report

WRITES = [
    "INSERT INTO movie (title, duration_mins, original_language, size_mb) "
    "VALUES ('Heat', 170, 'English', 1500)",
    "UPDATE movie SET size_mb = 0",
    "DELETE FROM stream",
    "CREATE TABLE intruder (x INTEGER)",
    "DROP TABLE review",
    "CREATE INDEX ix_intruder ON movie (size_mb)",
]
REFUSED = {
    "sqlite": "database: attempt to write a readonly database",
    "postgresql": "in a read-only transaction",
}


@pytest.fixture
def loaded(engine: Engine, tmp_path: Path) -> Engine:
    load_dump(
        engine,
        tmp_path,
        movie=[records.movie("Unforgiven")],
        stream=[records.stream()],
    )
    return engine


def run(engine: Engine, sql: str) -> QueryResult:
    return answers.query(sql=sql, uow=SqlAlchemyReadOnlyUnitOfWork(engine))


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_a_select_returns_columns_and_rows(loaded: Engine) -> None:
    result = run(loaded, "SELECT title, duration_mins FROM movie ORDER BY title")

    assert result == QueryResult(("title", "duration_mins"), [("Unforgiven", 131)])


@pytest.mark.parametrize("sql", WRITES)
def test_every_write_is_refused_by_the_database(loaded: Engine, sql: str) -> None:
    before = snapshot(url_of(loaded))

    with pytest.raises(AnswerError) as refused:
        run(loaded, sql)

    assert REFUSED[loaded.dialect.name] in str(refused.value)
    assert "\n" not in str(refused.value)
    assert snapshot(url_of(loaded)) == before


#: Texts that try to leave the read-only session before they write.
ESCAPES = {
    "postgresql": [
        "SET TRANSACTION READ WRITE; INSERT INTO movie (title) VALUES ('Heat')",
        "SET default_transaction_read_only = off; DELETE FROM stream",
    ],
    "sqlite": ["PRAGMA query_only = OFF; DELETE FROM movie"],
}
BOTH = [
    "COMMIT; BEGIN READ WRITE; DELETE FROM movie; COMMIT",
    "SELECT 1; DELETE FROM movie",
]
SEVERAL = {
    "sqlite": "one statement at a time",
    "postgresql": "cannot insert multiple commands into a prepared statement",
}


def test_a_text_of_several_statements_is_refused_before_any_runs(
    loaded: Engine,
) -> None:
    before = snapshot(url_of(loaded))

    for sql in BOTH + ESCAPES[loaded.dialect.name]:
        with pytest.raises(AnswerError) as refused:
            run(loaded, sql)
        assert SEVERAL[loaded.dialect.name] in str(refused.value), sql

    assert snapshot(url_of(loaded)) == before
    assert run(loaded, "SELECT count(*) FROM movie").rows == [(1,)]


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("COMMIT", None),
        ("BEGIN READ WRITE", "read-write mode must be set before any query"),
        ("SET TRANSACTION READ WRITE", "read-write mode must be set before any query"),
        ("DELETE FROM stream", "cannot execute DELETE in a read-only transaction"),
    ],
)
def test_postgres_cannot_be_talked_out_of_read_only_one_statement_at_a_time(
    postgres_url: str, tmp_path: Path, sql: str, message: str | None
) -> None:
    engine = create_database_engine(postgres_url)
    load_dump(engine, tmp_path, movie=[records.movie()], stream=[records.stream()])
    before = snapshot(postgres_url)

    if message is None:
        assert run(engine, sql) == QueryResult((), [])
    else:
        with pytest.raises(AnswerError, match=message):
            run(engine, sql)

    assert snapshot(postgres_url) == before
    with pytest.raises(AnswerError, match="in a read-only transaction"):
        run(engine, "DELETE FROM stream")
    engine.dispose()


def test_a_statement_after_a_comment_runs(loaded: Engine) -> None:
    result = run(loaded, "-- count the movies\nSELECT count(*) AS n FROM movie")

    assert result == QueryResult(("n",), [(1,)])


def test_the_read_only_session_does_not_outlive_the_query(
    loaded: Engine, tmp_path: Path
) -> None:
    with pytest.raises(AnswerError):
        run(loaded, WRITES[0])
    run(loaded, "SELECT 1")
    run_report(loaded)

    # The same engine (and its pool) still writes.
    load_dump(loaded, tmp_path / "more", movie=[records.movie("Heat")])

    assert run(loaded, "SELECT count(*) AS n FROM movie").rows == [(2,)]


def test_sql_errors_are_one_line(loaded: Engine) -> None:
    with pytest.raises(AnswerError) as error:
        run(loaded, "SELECT * FROM nowhere WHERE\n x = 1")

    assert str(error.value).startswith("database: ")
    assert "nowhere" in str(error.value) and "\n" not in str(error.value)


def test_the_text_is_sent_as_written(loaded: Engine) -> None:
    # Nothing in it is a bind parameter or a format directive.
    result = run(loaded, "SELECT 'a%b:c' AS t, '%s' AS u, ':movie' AS v")

    assert result.rows == [("a%b:c", "%s", ":movie")]


def test_a_statement_without_rows(loaded: Engine) -> None:
    statement = {
        "sqlite": "PRAGMA foreign_keys = ON",
        "postgresql": "SET LOCAL work_mem = '8MB'",
    }[loaded.dialect.name]

    assert run(loaded, statement) == QueryResult((), [])


@pytest.mark.postgres
def test_postgres_instants_come_back_in_utc_whatever_the_session_zone(
    postgres_url: str, postgres_server: Engine, tmp_path: Path
) -> None:
    name = make_url(postgres_url).database
    with postgres_server.connect() as connection:
        connection.execute(
            text(f"ALTER DATABASE \"{name}\" SET timezone = 'Asia/Tokyo'")
        )
    engine = create_database_engine(postgres_url)
    load_dump(engine, tmp_path, movie=[records.movie()], stream=[records.stream()])

    (start,) = run(engine, "SELECT start_at FROM stream").rows[0]

    assert start.utcoffset() == timedelta(0) and start.hour == 5
    engine.dispose()


def test_the_report_refuses_a_database_without_tables(engine: Engine) -> None:
    with pytest.raises(AnswerError, match="no movie, stream, author, book, review"):
        run_report(engine)


def test_a_session_that_cannot_be_made_read_only_is_discarded(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(connection: Connection) -> SqlAnswerQueries:
        queries = queries_for(connection)

        def fail() -> None:
            raise AnswerError("database: cannot set read only")

        monkeypatch.setattr(queries, "make_read_only", fail)
        return queries

    monkeypatch.setattr(read_only, "queries_for", refuse)

    with pytest.raises(AnswerError, match="cannot set read only"):
        run(engine, "SELECT 1")

    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]


def test_a_database_error_inside_a_read_only_session_is_one_line(
    loaded: Engine,
) -> None:
    from strider_challenge.domain.errors import DatabaseError

    with loaded.begin() as connection:
        connection.execute(text("ALTER TABLE movie RENAME COLUMN duration_mins TO n"))

    with pytest.raises(DatabaseError, match="^database: .*duration_mins") as failed:
        run_report(loaded)

    assert failed.value.__cause__ is None and failed.value.__suppress_context__
    assert loaded.pool.checkedout() == 0  # type: ignore[attr-defined]
