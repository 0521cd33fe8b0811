"""Set-based writes: rows go into a staging table, then one statement merges them.

The repository never commits: it works inside the connection's transaction, which the
unit of work owns. Unchanged rows are not rewritten, and when a source repeats a key the
row that comes last wins.
"""

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from sqlalchemy import JSON, Connection, Date, Float, Integer

from strider_challenge.domain.columns import Instant, sqlite_instant
from strider_challenge.domain.datasets import Dataset
from strider_challenge.domain.errors import DatabaseError
from strider_challenge.domain.mappers import Row
from strider_challenge.domain.results import MergeCounts

#: A row to stage and its position in the source (later positions win).
StagedRow = tuple[int, Row]

#: Rows sent to PostgreSQL per read of the COPY stream.
COPY_BATCH_ROWS = 2000


def canonical_json(value: Any) -> str:
    """The one JSON text of a value: compact, keys sorted."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


class StagingRepository(ABC):
    """Writes one dataset's rows through a staging table inside the open transaction."""

    def __init__(self, connection: Connection, dataset: Dataset[Any]) -> None:
        self.connection = connection
        self.dataset = dataset
        self.staged = 0
        quote = connection.dialect.identifier_preparer.quote
        self.quote = quote
        self.target = quote(dataset.table_name)
        self.staging = quote(f"_staging_{dataset.table_name}")
        self.columns = dataset.columns
        self.column_list = ", ".join(quote(c) for c in self.columns)
        self.key_list = ", ".join(quote(c) for c in dataset.key)
        self.values = [c for c in self.columns if c not in dataset.key]

    @abstractmethod
    def stage(self, rows: Iterable[StagedRow]) -> None:
        """Write rows into the staging table, consuming the iterable lazily."""

    @abstractmethod
    def merge(self) -> MergeCounts:
        """Upsert the staged rows into the table; count what happened."""

    @contextmanager
    def _driver_cursor(self) -> Iterator[Any]:
        """A cursor of the driver itself, for COPY and executemany; errors translated.

        SQLAlchemy wraps errors only for the statements it runs, so the driver's own
        errors are turned into DatabaseError here.
        """
        driver = self.connection.connection.driver_connection
        cursor = driver.cursor()  # type: ignore[union-attr]
        try:
            yield cursor
        except self.connection.dialect.loaded_dbapi.Error as error:
            detail = str(error).strip().splitlines()[0]
            raise DatabaseError(f"database: {detail}") from error
        finally:
            cursor.close()


class PostgresStagingRepository(StagingRepository):
    """`COPY` into a temporary table, then `INSERT ... ON CONFLICT DO UPDATE ... WHERE`.

    The COPY stream is fed while the source is parsed, so the server ingests rows on
    its own core while Python reads the next ones.
    """

    def stage(self, rows: Iterable[StagedRow]) -> None:
        """Stream every row to the server with a single COPY."""
        self.connection.exec_driver_sql(
            f"CREATE TEMP TABLE {self.staging} "
            f"(LIKE {self.target}, _seq bigint NOT NULL) ON COMMIT DROP"
        )
        encoders = [_pg_encoder(self.dataset, c) for c in self.columns]
        stream = _CopyStream(self._lines(rows, encoders))
        try:
            with self._driver_cursor() as cursor:
                cursor.copy_expert(
                    f"COPY {self.staging} ({self.column_list}, _seq) FROM STDIN",
                    stream,
                )
        except DatabaseError:
            # psycopg2 turns an error raised while reading into QueryCanceled;
            # the reader's own error is the one worth reporting.
            if stream.error is not None:
                raise stream.error from None
            raise

    def _lines(
        self, rows: Iterable[StagedRow], encoders: list[Callable[[Any], str]]
    ) -> Iterator[str]:
        pairs = list(zip(self.columns, encoders))
        for position, row in rows:
            self.staged += 1
            fields = [encode(row[name]) for name, encode in pairs]
            fields.append(str(position))
            yield "\t".join(fields) + "\n"

    def merge(self) -> MergeCounts:
        """Deduplicate (last wins) and upsert in one statement."""
        target, staging, keys = self.target, self.staging, self.key_list
        quoted = [self.quote(c) for c in self.values]
        assignments = ", ".join(f"{c} = EXCLUDED.{c}" for c in quoted)
        old = ", ".join(f"{target}.{c}" for c in quoted)
        new = ", ".join(f"EXCLUDED.{c}" for c in quoted)
        changed = f"ROW({old}) IS DISTINCT FROM ROW({new})"
        self.connection.exec_driver_sql("SET LOCAL work_mem = '256MB'")
        result = self.connection.exec_driver_sql(
            f"WITH latest AS MATERIALIZED ("
            f" SELECT DISTINCT ON ({keys}) {self.column_list} FROM {staging}"
            f" ORDER BY {keys}, _seq DESC"
            f"), written AS ("
            f" INSERT INTO {target} ({self.column_list})"
            f" SELECT {self.column_list} FROM latest"
            f" ON CONFLICT ({keys}) DO UPDATE SET {assignments} WHERE {changed}"
            f" RETURNING (xmax = 0) AS inserted"
            f") SELECT (SELECT count(*) FROM latest),"
            f" count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted)"
            f" FROM written"
        ).one()
        distinct, inserted, updated = (int(v) for v in result)
        return MergeCounts(
            inserted=inserted,
            updated=updated,
            unchanged=distinct - inserted - updated,
            duplicates=self.staged - distinct,
        )


class SqliteStagingRepository(StagingRepository):
    """Batched inserts into a keyed temporary table, then one upsert statement.

    The staging table's primary key makes `INSERT OR REPLACE` keep the last row of
    each key, so duplicates are settled while staging.
    """

    def stage(self, rows: Iterable[StagedRow]) -> None:
        """Insert every row into the staging table."""
        self.connection.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{self.staging}")
        self.connection.exec_driver_sql(
            f"CREATE TEMP TABLE {self.staging} "
            f"({self.column_list}, _seq INTEGER, PRIMARY KEY ({self.key_list}))"
        )
        placeholders = ", ".join("?" for _ in range(len(self.columns) + 1))
        with self._driver_cursor() as cursor:
            cursor.executemany(
                f"INSERT OR REPLACE INTO {self.staging} ({self.column_list}, _seq) "
                f"VALUES ({placeholders})",
                self._values(rows),
            )

    def _values(self, rows: Iterable[StagedRow]) -> Iterator[tuple[Any, ...]]:
        pairs = [(c, _sqlite_encoder(self.dataset, c)) for c in self.columns]
        for position, row in rows:
            self.staged += 1
            yield (*(encode(row[name]) for name, encode in pairs), position)

    def merge(self) -> MergeCounts:
        """Count new keys, then upsert only rows whose values differ."""
        target, staging = self.target, self.staging
        matches = " AND ".join(
            f"{target}.{self.quote(c)} = {staging}.{self.quote(c)}"
            for c in self.dataset.key
        )
        distinct, inserted = self.connection.exec_driver_sql(
            f"SELECT count(*), coalesce(sum(NOT EXISTS "
            f"(SELECT 1 FROM {target} WHERE {matches})), 0) FROM {staging}"
        ).one()
        quoted = [self.quote(c) for c in self.values]
        assignments = ", ".join(f"{c} = excluded.{c}" for c in quoted)
        changed = " OR ".join(f"{target}.{c} IS NOT excluded.{c}" for c in quoted)
        written = self.connection.exec_driver_sql(
            f"INSERT INTO {target} ({self.column_list}) "
            f"SELECT {self.column_list} FROM {staging} WHERE true "
            f"ON CONFLICT ({self.key_list}) DO UPDATE SET {assignments} WHERE {changed}"
        ).rowcount
        updated = written - inserted
        return MergeCounts(
            inserted=inserted,
            updated=updated,
            unchanged=distinct - inserted - updated,
            duplicates=self.staged - distinct,
        )


REPOSITORIES: dict[str, type[StagingRepository]] = {
    "postgresql": PostgresStagingRepository,
    "sqlite": SqliteStagingRepository,
}


class _CopyStream:
    """A file-like object over lines, read by psycopg2's `copy_expert` in batches."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self.error: Exception | None = None

    def read(self, _size: int = -1) -> str:
        try:
            batch = [line for _, line in zip(range(COPY_BATCH_ROWS), self._lines)]
        except Exception as error:
            self.error = error
            raise
        return "".join(batch)

    readline = read


def _column_kind(dataset: Dataset[Any], column: str) -> str:
    """The family of a column's SQL type: how its values are encoded."""
    kind = dataset.table.__table__.columns[column].type  # type: ignore[attr-defined]
    if isinstance(kind, Instant):
        return "instant"
    if isinstance(kind, Date):
        return "date"
    if isinstance(kind, JSON):
        return "json"
    if isinstance(kind, (Integer, Float)):
        return "number"
    return "text"


def _copy_text(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


def _pg_encoder(dataset: Dataset[Any], column: str) -> Callable[[Any], str]:
    """How one column's Python values are written in COPY's text format."""
    encoders: dict[str, Callable[[Any], str]] = {
        "instant": _isoformat,
        "date": _isoformat,
        "json": lambda value: _copy_text(canonical_json(value)),
        "number": repr,
        "text": _copy_text,
    }
    encode = encoders[_column_kind(dataset, column)]
    return lambda value: "\\N" if value is None else encode(value)


def _isoformat(value: date) -> str:
    return value.isoformat()


def _sqlite_encoder(dataset: Dataset[Any], column: str) -> Callable[[Any], Any]:
    """How one column's Python values are bound for SQLite."""
    encoders: dict[str, Callable[[Any], Any]] = {
        "instant": sqlite_instant,
        "date": _isoformat,
        "json": canonical_json,
    }
    encode = encoders.get(_column_kind(dataset, column))
    if encode is None:
        return _identity
    convert = encode
    return lambda value: None if value is None else convert(value)


def _identity(value: Any) -> Any:
    return value


def repository_for(connection: Connection, dataset: Dataset[Any]) -> StagingRepository:
    """The staging repository for the connection's database."""
    return REPOSITORIES[connection.dialect.name](connection, dataset)
