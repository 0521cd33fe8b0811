"""The answers' SQL, per dialect, and ad-hoc SQL, on a read-only connection.

Every figure is computed set-based in the database and comes back exact: counts, the
sum of the streams' durations in whole microseconds, the median as the float the
database interpolates. Rounding is the domain's (`domain/answers.py`).

The two dialects differ only where they must: the title key (see `domain/indexes.py`),
a stream's duration (PostgreSQL subtracts `timestamptz`; SQLite reads its fixed-width
UTC text: whole seconds with `strftime('%s')` plus the microseconds digits, exact where
`julianday()` would round), the nationality test (`jsonb @>` vs `json_each`), and the
median (`percentile_cont` vs the one or two middle rows, interpolated the way
PostgreSQL does: `lo + 0.5 * (hi - lo)` in double precision).
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, inspect, text

from strider_challenge.domain.answers import (
    AnswerError,
    QueryResult,
    ReportFigures,
    ReportParameters,
)
from strider_challenge.domain.columns import sqlite_instant
from strider_challenge.domain.indexes import title_key

#: The tables the report reads.
REPORT_TABLES = ("movie", "stream", "author", "book", "review")

#: The vendor's placeholder movie title; a review naming it names no movie.
SENTINEL_TITLE = "end"


class AnswerQueries(ABC):
    """What the answer services read from a database, inside one read-only session."""

    @abstractmethod
    def missing_tables(self) -> list[str]:
        """The report's tables that do not exist (init-db was never run)."""

    @abstractmethod
    def figures(self, parameters: ReportParameters) -> ReportFigures:
        """The exact figures behind the six answers."""

    @abstractmethod
    def run(self, sql: str) -> QueryResult:
        """Run one SQL statement as written and return what it returned.

        Raises:
            AnswerError: the database refused the statement (syntax, a write, ...).
        """


@dataclass(frozen=True)
class _Dialect:
    """What the report's SQL says differently on one database."""

    name: str
    #: Sum of the durations of the streams `s`, in whole microseconds.
    total_microseconds: str
    #: The stream `s` lasted at least half of the movie `m`.
    half_movie: str
    #: The author `a` has a nationality whose slug is `:nationality`.
    has_nationality: str
    #: The median of the streams' `size_mb`, interpolated.
    median: str


POSTGRES = _Dialect(
    name="postgresql",
    # Intervals add up exactly, and faster than numerics.
    total_microseconds=("extract(epoch FROM sum(s.end_at - s.start_at)) * 1000000"),
    half_movie="s.end_at - s.start_at >= m.duration_mins * interval '30 seconds'",
    has_nationality=(
        "a.nationalities @> "
        "jsonb_build_array(jsonb_build_object('slug', CAST(:nationality AS TEXT)))"
    ),
    median="SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY size_mb) FROM stream",
)

_SQLITE_MICROSECONDS = (
    "((strftime('%s', s.end_at) - strftime('%s', s.start_at)) * 1000000"
    " + CAST(substr(s.end_at, 21, 6) AS INTEGER)"
    " - CAST(substr(s.start_at, 21, 6) AS INTEGER))"
)

SQLITE = _Dialect(
    name="sqlite",
    total_microseconds=f"sum({_SQLITE_MICROSECONDS})",
    half_movie=f"2 * {_SQLITE_MICROSECONDS} >= m.duration_mins * 60000000",
    has_nationality=(
        "EXISTS (SELECT 1 FROM json_each(a.nationalities) AS n "
        "WHERE json_extract(n.value, '$.slug') = :nationality)"
    ),
    median=(
        "WITH counted AS (SELECT count(*) AS n FROM stream), "
        "middle AS (SELECT size_mb FROM stream ORDER BY size_mb "
        "LIMIT 2 - (SELECT n FROM counted) % 2 "
        "OFFSET ((SELECT n FROM counted) - 1) / 2) "
        "SELECT min(size_mb) + 0.5 * (max(size_mb) - min(size_mb)) FROM middle"
    ),
)


def _report_sql(dialect: _Dialect) -> dict[str, str]:
    """The report's statements on one dialect, by name."""

    def key(expression: str) -> str:
        return title_key(expression, dialect.name)

    reviewed = (
        f"{key('r.movie_title')} = {key('m.title')} "
        f"AND trim(r.movie_title) <> '{SENTINEL_TITLE}'"
    )
    streamed = f"{key('s.movie_title')} = {key('m.title')}"
    return {
        "durations": (
            f"SELECT count(*), coalesce({dialect.total_microseconds}, 0) "
            "FROM stream AS s"
        ),
        "books": (
            "SELECT count(*), coalesce(sum(CASE WHEN EXISTS "
            f"(SELECT 1 FROM review AS r WHERE {reviewed}) THEN 1 ELSE 0 END), 0) "
            f"FROM movie AS m WHERE EXISTS (SELECT 1 FROM stream AS s WHERE {streamed})"
        ),
        "outage": (
            "SELECT count(*) FROM (SELECT DISTINCT s.user_email FROM stream AS s "
            f"WHERE {key('s.movie_title')} = {key('CAST(:movie AS TEXT)')} "
            "AND s.start_at <= :outage_end AND s.end_at >= :outage_start) AS users"
        ),
        "nationality": (
            "SELECT count(*) FROM movie AS m WHERE EXISTS ("
            "SELECT 1 FROM review AS r "
            f"JOIN book AS b ON {key('b.title')} = {key('r.book_title')} "
            f"JOIN author AS a ON {key('a.name')} = {key('b.author')} "
            f"WHERE {reviewed} AND {dialect.has_nationality}"
            ") AND EXISTS (SELECT 1 FROM stream AS s "
            f"WHERE {streamed} AND s.start_at < :month_end AND s.end_at > :month_start)"
        ),
        "half_movie": (
            "SELECT count(*) FROM (SELECT DISTINCT s.user_email FROM stream AS s "
            f"JOIN movie AS m ON {streamed} "
            "WHERE s.start_at < :week_end AND s.end_at > :week_start "
            f"AND {dialect.half_movie}) AS users"
        ),
        "median": dialect.median,
    }


#: The report's statements, by dialect, then by name.
REPORT_SQL = {dialect.name: _report_sql(dialect) for dialect in (POSTGRES, SQLITE)}


class SqlAnswerQueries(AnswerQueries):
    """The queries on a SQLAlchemy connection whose transaction has begun."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.sql = REPORT_SQL[connection.dialect.name]

    @abstractmethod
    def make_read_only(self) -> None:
        """Make the session refuse writes; call it first in the transaction."""

    @abstractmethod
    def instant(self, value: datetime) -> Any:
        """An instant as this dialect's column stores it, for binding."""

    def missing_tables(self) -> list[str]:
        """The report's tables that do not exist."""
        existing = set(inspect(self.connection).get_table_names())
        return [table for table in REPORT_TABLES if table not in existing]

    def figures(self, parameters: ReportParameters) -> ReportFigures:
        """Run the report's statements in this session; return their exact figures."""
        month, week = parameters.month_window(), parameters.last_week_window()
        outage = parameters.outage_window()
        binds = {
            "movie": parameters.outage_movie,
            "outage_start": self.instant(outage.start),
            "outage_end": self.instant(outage.end),
            "nationality": parameters.nationality,
            "month_start": self.instant(month.start),
            "month_end": self.instant(month.end),
            "week_start": self.instant(week.start),
            "week_end": self.instant(week.end),
        }

        def one(name: str) -> Any:
            return self.connection.execute(text(self.sql[name]), binds).one()

        streams, microseconds = one("durations")
        streamed, from_books = one("books")
        median = one("median")[0]
        return ReportFigures(
            streams=int(streams),
            streamed_movies=int(streamed),
            streamed_movies_from_books=int(from_books),
            outage_users=int(one("outage")[0]),
            nationality_movies=int(one("nationality")[0]),
            total_stream_microseconds=int(microseconds),
            median_stream_size_mb=None if median is None else float(median),
            half_movie_users=int(one("half_movie")[0]),
        )

    def run(self, sql: str) -> QueryResult:
        """Run the text with the driver itself, so nothing in it is taken as a bind.

        Raises:
            AnswerError: the database refused it; the message is its first line.
        """
        cursor = self.connection.connection.driver_connection.cursor()  # type: ignore
        try:
            cursor.execute(sql)
            if cursor.description is None:
                return QueryResult(columns=(), rows=[])
            columns = tuple(str(column[0]) for column in cursor.description)
            return QueryResult(columns, [tuple(row) for row in cursor.fetchall()])
        except self.connection.dialect.loaded_dbapi.Error as error:
            detail = str(error).strip().splitlines()[0]
            raise AnswerError(f"database: {detail}") from None
        finally:
            cursor.close()


class PostgresAnswerQueries(SqlAnswerQueries):
    """PostgreSQL: a read-only, repeatable-read transaction in UTC."""

    def make_read_only(self) -> None:
        """One snapshot for every statement; no write; instants shown in UTC.

        The session default is set too, so a `COMMIT` inside the user's SQL does not
        open a writable transaction; the closing `SELECT` is a query, after which the
        transaction can no longer be switched to read-write.
        """
        run = self.connection.exec_driver_sql
        run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        run("SET SESSION default_transaction_read_only = on")
        run("SET LOCAL TIME ZONE 'UTC'")
        run("SELECT 1")

    def instant(self, value: datetime) -> Any:
        """Aware datetimes bind as `timestamptz`."""
        return value


class SqliteAnswerQueries(SqlAnswerQueries):
    """SQLite: `PRAGMA query_only` on this connection, inside its read transaction."""

    def make_read_only(self) -> None:
        """Refuse every write on this connection (the caller discards it afterwards)."""
        self.connection.exec_driver_sql("PRAGMA query_only = ON")

    def instant(self, value: datetime) -> Any:
        """Instants bind as the fixed-width UTC text the column stores."""
        return sqlite_instant(value)


QUERIES: dict[str, type[SqlAnswerQueries]] = {
    "postgresql": PostgresAnswerQueries,
    "sqlite": SqliteAnswerQueries,
}


def queries_for(connection: Connection) -> SqlAnswerQueries:
    """The answer queries for the connection's database."""
    return QUERIES[connection.dialect.name](connection)
