"""Set-based writes: rows go into a staging table, then a few statements merge them.

The repository never commits: it works inside the connection's transaction, which the
unit of work owns. Unchanged rows are not rewritten; when a source repeats a key, the
row that comes last wins and the others are counted as duplicates. Rejected records are
written to `rejected_record` in the same transaction.
"""

import tempfile
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from typing import IO, Any

from sqlalchemy import Connection, insert

from strider_challenge.adapters.encoders import (
    copy_line_encoder,
    copy_text,
    sqlite_params_encoder,
)
from strider_challenge.domain.datasets import Dataset
from strider_challenge.domain.errors import DatabaseError
from strider_challenge.domain.ledger import RejectedRecord
from strider_challenge.domain.mappers import Row
from strider_challenge.domain.results import MergeCounts, Rejection

#: A row to stage and its position in the source (later positions win).
StagedRow = tuple[int, Row]

#: What a load writes: rows, and the records it refused.
Item = StagedRow | Rejection


class StagingRepository(ABC):
    """Writes one dataset's rows through a staging table inside the open transaction."""

    #: Rows encoded and sent to the database at a time.
    batch_rows = 10_000

    def __init__(self, connection: Connection, dataset: Dataset[Any]) -> None:
        self.connection = connection
        self.dataset = dataset
        quote = connection.dialect.identifier_preparer.quote
        self.quote = quote
        self.target = quote(dataset.table_name)
        self.staging = quote(f"_staging_{dataset.table_name}")
        self.column_list = ", ".join(quote(c) for c in dataset.columns)
        self.key_list = ", ".join(quote(c) for c in dataset.key)
        self.key_match = " AND ".join(
            f"t.{quote(c)} = s.{quote(c)}" for c in dataset.key
        )
        self.values = [quote(c) for c in dataset.columns if c not in dataset.key]

    @abstractmethod
    def write(self, items: Iterable[Item], *, load_id: int) -> MergeCounts:
        """Stage and merge every row, store every rejection; consume items lazily."""

    def _store_rejections(self, rejections: list[Rejection], load_id: int) -> None:
        if rejections:
            self.connection.execute(
                insert(RejectedRecord),
                [
                    {
                        "load_id": load_id,
                        "position": r.position,
                        "raw": r.raw,
                        "error": r.error,
                    }
                    for r in rejections
                ],
            )

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


class SqliteStagingRepository(StagingRepository):
    """Batched inserts into a keyed temporary table, then one upsert statement.

    The staging table's primary key makes `INSERT OR REPLACE` keep the last row of
    each key, so duplicates are settled while staging; the merge then reads the
    staging table in key order, which is the cheap order for the target's index.
    """

    def write(self, items: Iterable[Item], *, load_id: int) -> MergeCounts:
        """Stage every row, then merge once."""
        self.connection.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{self.staging}")
        self.connection.exec_driver_sql(
            f"CREATE TEMP TABLE {self.staging} ({self.column_list}, _seq INTEGER, "
            f"PRIMARY KEY ({self.key_list})) WITHOUT ROWID"
        )
        placeholders = ", ".join("?" for _ in range(len(self.dataset.columns) + 1))
        statement = (
            f"INSERT OR REPLACE INTO {self.staging} ({self.column_list}, _seq) "
            f"VALUES ({placeholders})"
        )
        encode = sqlite_params_encoder(self.dataset)
        staged = 0
        iterator = iter(items)
        while batch := list(islice(iterator, self.batch_rows)):
            rows = [encode(i[1], i[0]) for i in batch if not isinstance(i, Rejection)]
            with self._driver_cursor() as cursor:
                cursor.executemany(statement, rows)
            staged += len(rows)
            rejected = [i for i in batch if isinstance(i, Rejection)]
            self._store_rejections(rejected, load_id)
        return self._merge(staged)

    def _merge(self, staged: int) -> MergeCounts:
        distinct, inserted = self.connection.exec_driver_sql(
            f"SELECT count(*), coalesce(sum(NOT EXISTS "
            f"(SELECT 1 FROM {self.target} t WHERE {self.key_match})), 0) "
            f"FROM {self.staging} s"
        ).one()
        assignments = ", ".join(f"{c} = excluded.{c}" for c in self.values)
        changed = " OR ".join(
            f"{self.target}.{c} IS NOT excluded.{c}" for c in self.values
        )
        written = self.connection.exec_driver_sql(
            f"INSERT INTO {self.target} ({self.column_list}) "
            f"SELECT {self.column_list} FROM {self.staging} WHERE true "
            f"ON CONFLICT ({self.key_list}) DO UPDATE SET {assignments} WHERE {changed}"
        ).rowcount
        self.connection.exec_driver_sql(f"DROP TABLE temp.{self.staging}")
        updated = written - inserted
        return MergeCounts(
            inserted=inserted,
            updated=updated,
            unchanged=distinct - inserted - updated,
            duplicates=staged - distinct,
        )


class PostgresStagingRepository(StagingRepository):
    """One `COPY` into a temporary table, then a few set-based statements.

    The COPY stream is fed while the source is parsed, so the server ingests rows on
    its own core while Python reads the next ones. The merge then deduplicates (last
    wins), finds the staged keys the table already holds in one join, updates those
    whose values differ, and inserts the rest in index order.
    """

    def write(self, items: Iterable[Item], *, load_id: int) -> MergeCounts:
        """Stream rows to the server, store rejections, then merge once."""
        run = self.connection.exec_driver_sql
        run(
            f"CREATE TEMP TABLE {self.staging} "
            f"(LIKE {self.target}, _seq bigint NOT NULL) ON COMMIT DROP"
        )
        with tempfile.TemporaryFile("w+", encoding="utf-8") as rejected:
            stream = _CopyStream(
                items,
                copy_line_encoder(self.dataset),
                self.batch_rows,
                rejected,
                load_id,
            )
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
            rejected.seek(0)
            with self._driver_cursor() as cursor:
                cursor.copy_expert(
                    "COPY rejected_record (load_id, position, raw, error) FROM STDIN",
                    rejected,
                )
        return self._merge(stream.rows)

    def _merge(self, staged: int) -> MergeCounts:
        run = self.connection.exec_driver_sql
        target, staging, keys = self.target, self.staging, self.key_list
        run(f"ANALYZE {staging}")
        run("SET LOCAL work_mem = '256MB'")
        distinct = run(
            f"SELECT count(*) FROM (SELECT DISTINCT {keys} FROM {staging}) AS k"
        ).scalar_one()
        if distinct < staged:
            run(
                f"DELETE FROM {staging} AS t USING {staging} AS s "
                f"WHERE {self.key_match} AND t._seq < s._seq"
            )
        old = ", ".join(f"t.{c}" for c in self.values)
        new = ", ".join(f"s.{c}" for c in self.values)
        assignments = ", ".join(f"{c} = s.{c}" for c in self.values)
        # One join finds every staged key the table already holds.
        run(
            f"CREATE TEMP TABLE _matched ON COMMIT DROP AS"
            f" SELECT s._seq, t.ctid AS tid,"
            f" ROW({old}) IS DISTINCT FROM ROW({new}) AS changed"
            f" FROM {staging} AS s JOIN {target} AS t ON {self.key_match}"
        )
        updated = run(
            f"UPDATE {target} AS t SET {assignments}"
            f" FROM _matched AS m JOIN {staging} AS s ON s._seq = m._seq"
            f" WHERE t.ctid = m.tid AND m.changed"
        ).rowcount
        inserted = run(
            f"INSERT INTO {target} ({self.column_list}) "
            f"SELECT {self.column_list} FROM {staging} AS s "
            f"WHERE NOT EXISTS (SELECT 1 FROM _matched AS m WHERE m._seq = s._seq) "
            f"ORDER BY {keys}"  # in index order: far fewer page visits
        ).rowcount
        run("DROP TABLE _matched")
        return MergeCounts(
            inserted=inserted,
            updated=updated,
            unchanged=distinct - inserted - updated,
            duplicates=staged - distinct,
        )


class _CopyStream:
    """What psycopg2's `copy_expert` reads: COPY lines, encoded batch by batch.

    Rejections met on the way go to a file, as COPY lines for `rejected_record`, so
    that memory does not grow with them; an error raised by the source is kept to be
    re-raised as itself.
    """

    def __init__(
        self,
        items: Iterable[Item],
        encode: Callable[[Row, int], str],
        batch: int,
        rejected: IO[str],
        load_id: int,
    ) -> None:
        self._items = iter(items)
        self._encode = encode
        self._batch = batch
        self._rejected = rejected
        self._load_id = load_id
        self.rows = 0
        self.error: Exception | None = None

    def read(self, _size: int = -1) -> str:
        try:
            return self._next_lines()
        except Exception as error:
            self.error = error
            raise

    def _next_lines(self) -> str:
        lines: list[str] = []
        seen = 0
        for seen, item in enumerate(islice(self._items, self._batch), start=1):
            if isinstance(item, Rejection):
                self._rejected.write(
                    f"{self._load_id}\t{item.position}\t{copy_text(item.raw)}\t"
                    f"{copy_text(item.error)}\n"
                )
            else:
                lines.append(self._encode(item[1], item[0]))
        self.rows += len(lines)
        if seen and not lines:
            return self._next_lines()  # a batch of rejections only: read on
        return "".join(lines)

    readline = read


REPOSITORIES: dict[str, type[StagingRepository]] = {
    "postgresql": PostgresStagingRepository,
    "sqlite": SqliteStagingRepository,
}


def repository_for(connection: Connection, dataset: Dataset[Any]) -> StagingRepository:
    """The staging repository for the connection's database."""
    return REPOSITORIES[connection.dialect.name](connection, dataset)
