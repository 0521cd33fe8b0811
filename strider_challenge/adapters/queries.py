"""The answers' and their charts' SQL, per dialect, and ad-hoc SQL, read-only.

Every figure is computed set-based in the database and comes back exact: counts, the
sum of the streams' durations in whole microseconds, the median as the float the
database interpolates. Rounding is the domain's (`domain/answers.py`).

The two dialects differ only where they must: the title key (see `domain/indexes.py`),
a stream's duration (PostgreSQL subtracts `timestamptz`; SQLite reads its fixed-width
UTC text: whole seconds with `strftime('%s')` plus the microseconds digits, exact where
`julianday()` would round), the nationality test (`jsonb @>` vs `json_each`), and the
median (`percentile_cont` vs the one or two middle rows, interpolated the way
PostgreSQL does: `lo + 0.5 * (hi - lo)` in double precision).

The charts' counts are a few rows each, in buckets the domain cut
(`domain/charts.py`): streams per local day, per bar of durations and of sizes, and
the outage movie's streams in progress at a few instants.
"""

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, inspect, text

from strider_challenge.adapters import libpq
from strider_challenge.domain.answers import (
    AnswerError,
    QueryResult,
    ReportFigures,
    ReportParameters,
    Window,
)
from strider_challenge.domain.charts import Bins, Shift, local_days
from strider_challenge.domain.checks import SENTINEL_TITLE
from strider_challenge.domain.columns import sqlite_instant
from strider_challenge.domain.indexes import title_key

#: The tables the report reads.
REPORT_TABLES = ("movie", "stream", "author", "book", "review")

#: The name `scli query` prepares its statement under (PostgreSQL).
PREPARED = "scli_query"


class AnswerQueries(ABC):
    """What the answer services read from a database, inside one read-only session."""

    @abstractmethod
    def missing_tables(self) -> list[str]:
        """The report's tables that do not exist (init-db was never run)."""

    @abstractmethod
    def figures(self, parameters: ReportParameters) -> ReportFigures:
        """The exact figures behind the six answers."""

    @abstractmethod
    def daily_starts(self, window: Window, shifts: Sequence[Shift]) -> dict[date, int]:
        """How many streams started on each day of `window`, in business time.

        Args:
            window: the month, as UTC instants.
            shifts: business time's UTC offsets across it (`charts.offset_shifts`).
        """

    @abstractmethod
    def in_progress(self, movie: str, instants: Sequence[datetime]) -> list[int]:
        """How many streams of `movie` were in progress at each instant (ends count)."""

    @abstractmethod
    def bar_counts(
        self, durations: Bins, sizes: Bins
    ) -> tuple[dict[int, int], dict[int, int]]:
        """How many streams fall in each bar of durations (whole seconds), of sizes.

        Both in one pass over the streams.
        """

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
    #: An aggregate (`{}`: sum, min, max) of the durations of the streams `s`, in
    #: whole microseconds.
    microseconds: str
    #: The stream `s` lasted at least half of the movie `m`.
    half_movie: str
    #: The author `a` has a nationality whose slug is `:nationality`.
    has_nationality: str
    #: The median of the streams' `size_mb`, interpolated.
    median: str
    #: The date of the instant `{instant}` plus the offset `{shift}` (`+3600 seconds`).
    local_day: str
    #: The duration bar of the stream `s`, of `:width` whole seconds from `:low`.
    duration_bar: str
    #: The integer part of the non-negative double `{}`.
    floor: str
    #: The date written `{}` (`2021-12-25`).
    date: str
    #: Count per bucket by joining the buckets as VALUES (see `_per_bucket`).
    lists_buckets: bool


POSTGRES = _Dialect(
    name="postgresql",
    # Intervals add up exactly, and faster than numerics.
    microseconds="extract(epoch FROM {}(s.end_at - s.start_at)) * 1000000",
    half_movie="s.end_at - s.start_at >= m.duration_mins * interval '30 seconds'",
    has_nationality=(
        "a.nationalities @> "
        "jsonb_build_array(jsonb_build_object('slug', CAST(:nationality AS TEXT)))"
    ),
    median="SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY size_mb) FROM stream",
    local_day=(
        "CAST(({instant} AT TIME ZONE 'UTC') + CAST({shift} AS INTERVAL) AS DATE)"
    ),
    # In double precision, three times as fast as numerics, and exact here: the
    # bounds are whole seconds, which a double holds exactly, and any other
    # duration is at least a microsecond away from them, far more than the
    # rounding error of a double below a billion seconds.
    duration_bar="floor((date_part('epoch', s.end_at - s.start_at) - :low) / :width)",
    floor="floor({})",
    date="CAST({} AS DATE)",
    lists_buckets=True,
)

_SQLITE_MICROSECONDS = (
    "((strftime('%s', s.end_at) - strftime('%s', s.start_at)) * 1000000"
    " + CAST(substr(s.end_at, 21, 6) AS INTEGER)"
    " - CAST(substr(s.start_at, 21, 6) AS INTEGER))"
)

SQLITE = _Dialect(
    name="sqlite",
    microseconds=f"{{}}({_SQLITE_MICROSECONDS})",
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
    # SQLite reads the UTC text with its offset, then adds the modifier.
    local_day="date({instant}, {shift})",
    duration_bar=f"({_SQLITE_MICROSECONDS} - :low * 1000000) / (:width * 1000000)",
    floor="CAST({} AS INTEGER)",
    date="{}",
    lists_buckets=False,
)

DIALECTS = {dialect.name: dialect for dialect in (POSTGRES, SQLITE)}


def _report_sql(dialect: _Dialect) -> dict[str, str]:
    """The report's statements on one dialect, by name."""

    def key(expression: str) -> str:
        return title_key(expression, dialect.name)

    reviewed = (
        f"{key('r.movie_title')} = {key('m.title')} "
        f"AND trim(r.movie_title) <> '{SENTINEL_TITLE}'"
    )
    streamed = f"{key('s.movie_title')} = {key('m.title')}"
    spread = ", ".join(
        f"coalesce({expression}, 0)"
        for expression in (
            dialect.microseconds.format("sum"),
            dialect.microseconds.format("min"),
            dialect.microseconds.format("max"),
            "min(s.size_mb)",
            "max(s.size_mb)",
        )
    )
    return {
        "durations": f"SELECT count(*), {spread} FROM stream AS s",
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


def _per_bucket(
    dialect: _Dialect, bucket: str, buckets: Sequence[str], where: str = ""
) -> str:
    """Streams per value of the expression `bucket`, among `buckets`; `where` filters.

    Grouping by an expression of a column, PostgreSQL expects as many groups as the
    column has values (one per stream) and counts in one process; joined to the
    buckets listed as VALUES, it expects a handful and counts in parallel. SQLite
    groups the expression: it would evaluate it once per listed bucket.
    """
    if dialect.lists_buckets:
        listed = ", ".join(f"({value})" for value in buckets)
        condition = f"{bucket} = bucket" + (f" AND {where}" if where else "")
        return (
            f"WITH buckets (bucket) AS (VALUES {listed}) SELECT bucket, count(*) "
            f"FROM stream AS s CROSS JOIN buckets WHERE {condition} GROUP BY bucket"
        )
    condition = f" WHERE {where}" if where else ""
    return (
        f"SELECT {bucket} AS bucket, count(*) FROM stream AS s{condition} "
        "GROUP BY bucket"
    )


def daily_starts_sql(dialect: _Dialect, shifts: int, days: int) -> str:
    """Streams started per local day of `[:month_start, :month_end)`.

    The days are `:day_0` ... (`days` of them, as `2021-12-25`). Business time is
    UTC + `:shift_0` until `:from_1`, then `:shift_1` until `:from_2`, and so on
    for `shifts` pieces.
    """
    shift = ":shift_0"
    if shifts > 1:
        whens = " ".join(
            f"WHEN s.start_at < :from_{i} THEN :shift_{i - 1}" for i in range(1, shifts)
        )
        shift = f"CASE {whens} ELSE :shift_{shifts - 1} END"
    day = dialect.local_day.format(instant="s.start_at", shift=shift)
    return _per_bucket(
        dialect,
        day,
        [dialect.date.format(f":day_{i}") for i in range(days)],
        "s.start_at >= :month_start AND s.start_at < :month_end",
    )


def in_progress_sql(dialect: _Dialect, instants: int) -> str:
    """Streams of `:movie` in progress at each of `:at_0` ... (start and end count).

    The movie's streams that overlap the whole timeline are found once, through the
    title-key index. Then one sweep: their starts, the instants and their ends in
    time order (at one time, starts before the instant, ends after it, so a stream
    counts at its first and its last instant), and the running sum of +1 per start
    and -1 per end is the count in progress at each instant.
    """
    values = ", ".join(f"({i}, :at_{i})" for i in range(instants))
    key = title_key("s.movie_title", dialect.name)
    movie = title_key("CAST(:movie AS TEXT)", dialect.name)
    return (
        f"WITH instants (i, at) AS (VALUES {values}), "
        "cut AS MATERIALIZED (SELECT s.start_at, s.end_at FROM stream AS s "
        f"WHERE {key} = {movie} AND s.start_at <= :at_{instants - 1} "
        "AND s.end_at >= :at_0), "
        "events (at, kind, delta, i) AS ("
        "SELECT start_at, 0, 1, NULL FROM cut "
        "UNION ALL SELECT at, 1, 0, i FROM instants "
        "UNION ALL SELECT end_at, 2, -1, NULL FROM cut), "
        "running AS (SELECT i, sum(delta) OVER "
        "(ORDER BY at, kind ROWS UNBOUNDED PRECEDING) AS streams FROM events) "
        "SELECT i, streams FROM running WHERE i IS NOT NULL ORDER BY i"
    )


def bars_sql(dialect: _Dialect, measure: str, bars: int) -> str:
    """Streams per bar of `measure` (`duration` or `size`), bars 0 to `bars` - 1.

    Bars are `:width` from `:low`: whole seconds for durations, MB for sizes.
    """
    bar = (
        dialect.duration_bar
        if measure == "duration"
        else dialect.floor.format(
            "(s.size_mb - CAST(:low AS DOUBLE PRECISION)) "
            "/ CAST(:width AS DOUBLE PRECISION)"
        )
    )
    return _per_bucket(dialect, bar, [str(i) for i in range(bars)])


class SqlAnswerQueries(AnswerQueries):
    """The queries on a SQLAlchemy connection whose transaction has begun."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.sql = REPORT_SQL[connection.dialect.name]
        self.dialect = DIALECTS[connection.dialect.name]

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

        streams, microseconds, shortest, longest, smallest, largest = one("durations")
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
            shortest_stream_microseconds=int(shortest),
            longest_stream_microseconds=int(longest),
            smallest_stream_size_mb=float(smallest),
            largest_stream_size_mb=float(largest),
        )

    def daily_starts(self, window: Window, shifts: Sequence[Shift]) -> dict[date, int]:
        """One row per day with streams: its date (text on SQLite) and count."""
        binds: dict[str, Any] = {
            "month_start": self.instant(window.start),
            "month_end": self.instant(window.end),
        }
        for i, shift in enumerate(shifts):
            binds[f"shift_{i}"] = shift.modifier
            if i:
                binds[f"from_{i}"] = self.instant(shift.start)
        days = local_days(window, shifts)
        binds.update((f"day_{i}", day.isoformat()) for i, day in enumerate(days))
        statement = text(daily_starts_sql(self.dialect, len(shifts), len(days)))
        return {
            day if isinstance(day, date) else date.fromisoformat(day): int(count)
            for day, count in self.connection.execute(statement, binds)
        }

    def in_progress(self, movie: str, instants: Sequence[datetime]) -> list[int]:
        """The count at each instant, in the instants' order."""
        binds: dict[str, Any] = {"movie": movie}
        binds.update(
            (f"at_{i}", self.instant(instant)) for i, instant in enumerate(instants)
        )
        statement = text(in_progress_sql(self.dialect, len(instants)))
        return [int(count) for _, count in self.connection.execute(statement, binds)]

    def bar_counts(
        self, durations: Bins, sizes: Bins
    ) -> tuple[dict[int, int], dict[int, int]]:
        """Streams per duration bar and per size bar."""
        return self._bars("duration", durations), self._bars("size", sizes)

    def _bars(self, measure: str, bins: Bins) -> dict[int, int]:
        statement = text(bars_sql(self.dialect, measure, bins.count))
        binds = {"low": bins.low, "width": bins.width}
        return {
            int(bar): int(streams)
            for bar, streams in self.connection.execute(statement, binds)
        }

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

    def run(self, sql: str) -> QueryResult:
        """Prepare the text as exactly one statement, then run it by name.

        The simple query protocol would run every statement of `COMMIT; BEGIN READ
        WRITE; DELETE ...` in turn; a prepared statement is one statement or an
        error, before anything runs (`adapters/libpq.py`).

        Raises:
            AnswerError: the database refused it; the message is its first line.
        """
        driver = self.connection.connection.driver_connection
        refused = libpq.prepare(driver, PREPARED, sql)
        if refused is not None:
            raise AnswerError(f"database: {refused}")
        return super().run(f"EXECUTE {PREPARED}")


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
