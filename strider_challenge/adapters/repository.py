"""Set-based writes: rows go into a staging table, then a few statements merge them.

The repository never commits: it works inside the connection's transaction, which the
unit of work owns. When a source repeats a key, the row that comes last wins and the
others are counted as duplicates. Rejected records are written to `rejected_record` in
the same transaction.

The merge keeps history (slowly changing dimension, type 2): each staged record is
new, changed, back (it had been deleted) or the same as the current row. New, changed
and returning records open a version in `<table>_history`, a changed one closes the
previous version; the same record only moves `last_seen_at` forward. A full dump also
marks the records it lacks as deleted and closes their versions. A first load, into
a table and history that hold nothing, only copies the rows. Every statement is the
same on SQLite and PostgreSQL but for how rows are staged and deduplicated, and how
a full dump's absent records are found.
"""

import tempfile
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from itertools import islice
from typing import IO, Any

from sqlalchemy import Connection, bindparam, insert, text

from strider_challenge.adapters.encoders import (
    COPY_CSV,
    copy_line_encoder,
    copy_text,
    sqlite_params_encoder,
)
from strider_challenge.domain.columns import Instant
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

    #: Whether the staging table is read in key order at no cost (it is keyed).
    staged_in_key_order = False

    def __init__(self, connection: Connection, dataset: Dataset[Any]) -> None:
        self.connection = connection
        self.dataset = dataset
        quote = connection.dialect.identifier_preparer.quote
        self.quote = quote
        self.target = quote(dataset.table_name)
        self.staging = quote(f"_staging_{dataset.table_name}")
        self.column_list = ", ".join(quote(c) for c in dataset.columns)
        self.key_list = ", ".join(quote(c) for c in dataset.key)
        self.staged_keys = ", ".join(f"s.{quote(c)}" for c in dataset.key)
        self.key_match = " AND ".join(
            f"t.{quote(c)} = s.{quote(c)}" for c in dataset.key
        )
        self.values = [quote(c) for c in dataset.columns if c not in dataset.key]
        self.history = quote(dataset.history.name)

    @abstractmethod
    def stage(self, items: Iterable[Item], *, load_id: int) -> int:
        """Stage every row and store every rejection; consume items lazily.

        Returns:
            How many rows were staged, duplicates included.
        """

    @abstractmethod
    def _rebuildable_indexes(self, table: str) -> list[tuple[str, str]]:
        """The statements that drop and create each index a table can lose a while."""

    def _holds_rows(self, table: str) -> bool:
        return bool(
            self.connection.exec_driver_sql(
                f"SELECT EXISTS (SELECT 1 FROM {self.quote(table)})"
            ).scalar_one()
        )

    @contextmanager
    def _indexes_built_after(self, table: str) -> Iterator[bool]:
        """Drop an empty table's indexes for the merge, and build them once it is done.

        Yields whether the table was empty.

        Building an index sorts the rows once, where inserting them into a live index
        walks it once per row: the first load of a million streams writes them in
        half the time. The indexes come back with their own names and definitions in
        the same transaction, so no other session ever sees them missing (the table
        stays locked until the load commits; it held nothing).
        """
        if self._holds_rows(table):
            yield False
            return
        indexes = self._rebuildable_indexes(table)
        for drop, _ in indexes:
            self.connection.exec_driver_sql(drop)
        yield True
        for _, create in indexes:
            self.connection.exec_driver_sql(create)

    @abstractmethod
    def _deduplicate(self, staged: int) -> int:
        """Keep the last staged row of each key; return how many keys remain."""

    @abstractmethod
    def _create_classified(self, full: bool) -> None:
        """Create `_classified`: each staged key and what the merge does with it.

        Args:
            full: the load is a full dump; a database that finds the absent keys in
                the same join also classifies them, as `absent`.
        """

    def merge(self, staged: int, *, as_of: datetime, full: bool) -> MergeCounts:
        """Merge the staged rows into the table and its history, effective `as_of`.

        Args:
            staged: the count `stage` returned.
            as_of: the dump's effective time.
            full: the staged rows are the whole dataset: mark the others deleted.
        """
        with self._indexes_built_after(self.dataset.table_name) as first:
            with self._indexes_built_after(self.dataset.history.name) as no_history:
                if first and no_history:
                    return self._first_merge(staged, as_of=as_of)
                return self._merge(
                    staged,
                    as_of=as_of,
                    full=full,
                    in_key_order=self.staged_in_key_order or not first,
                )

    def _first_merge(self, staged: int, *, as_of: datetime) -> MergeCounts:
        """`merge` into a table and history that hold nothing: every record is new.

        Nothing to compare, update or mark deleted, so the staged rows are copied
        into both tables as they are, without classifying them first.
        """
        distinct = self._copy_first(staged, as_of)
        return MergeCounts(inserted=distinct, duplicates=staged - distinct)

    def _copy_first(self, staged: int, as_of: datetime) -> int:
        """Fill the empty history and table with the last staged row of each key.

        Returns:
            How many keys that is.
        """
        distinct = self._deduplicate(staged)
        columns = self.column_list
        for statement in (
            f"INSERT INTO {self.history} ({columns}, valid_from)"
            f" SELECT {columns}, :t FROM {self.staging}",
            f"INSERT INTO {self.target} ({columns}, first_seen_at, last_seen_at)"
            f" SELECT {columns}, :t, :t FROM {self.staging}",
        ):
            self._run_at(statement, as_of)
        return distinct

    def _merge(
        self, staged: int, *, as_of: datetime, full: bool, in_key_order: bool
    ) -> MergeCounts:
        """`merge`; `in_key_order`: insert new rows sorted as the table's key is."""
        distinct = self._deduplicate(staged)
        self._create_classified(full)
        actions = {
            str(action): int(count)
            for action, count in self.connection.exec_driver_sql(
                "SELECT action, count(*) FROM _classified GROUP BY action"
            )
        }
        for statement in self._merge_statements(full, in_key_order):
            self._run_at(statement, as_of)
        deleted = self._mark_deleted(as_of) if full else 0
        self.connection.exec_driver_sql("DROP TABLE _classified")
        back = actions.get("back", 0)
        return MergeCounts(
            inserted=actions.get("new", 0),
            updated=actions.get("changed", 0) + back,
            unchanged=actions.get("same", 0),
            duplicates=staged - distinct,
            deleted=deleted,
            undeleted=back,
        )

    def _classify_select(self, differs: str, *, absent: bool = False) -> str:
        """Classify each staged key by joining the staging table to the table.

        With `absent`, a full join also yields the table's current keys that were
        not staged, classified `absent`: the anti-join a full dump needs, for free.
        """
        first_key = self.quote(self.dataset.key[0])
        keys, join, lacking, where = self.staged_keys, "LEFT JOIN", "", ""
        if absent:
            keys = ", ".join(
                f"COALESCE(s.{c}, t.{c}) AS {c}"
                for c in map(self.quote, self.dataset.key)
            )
            join = "FULL JOIN"
            lacking = f" WHEN s.{first_key} IS NULL THEN 'absent'"
            where = f" WHERE s.{first_key} IS NOT NULL OR t.deleted_at IS NULL"
        return (
            f"SELECT {keys}, CASE{lacking}"
            f" WHEN t.{first_key} IS NULL THEN 'new'"
            f" WHEN t.deleted_at IS NOT NULL THEN 'back'"
            f" WHEN {differs} THEN 'changed'"
            f" ELSE 'same' END AS action"
            f" FROM {self.staging} AS s {join} {self.target} AS t"
            f" ON {self.key_match}{where}"
        )

    def _matches(self, left: str, right: str) -> str:
        return " AND ".join(
            f"{left}.{self.quote(c)} = {right}.{self.quote(c)}"
            for c in self.dataset.key
        )

    def _merge_statements(self, full: bool, in_key_order: bool) -> list[str]:
        target, history, staging = self.target, self.history, self.staging
        columns = self.column_list
        picked = ", ".join(f"s.{self.quote(c)}" for c in self.dataset.columns)
        assignments = ", ".join(f"{c} = s.{c}" for c in self.values)
        # In index order, a live index is visited page by page, not at random.
        order = f" ORDER BY {self.staged_keys}" if in_key_order else ""
        statements = [
            # A version opened at this very time is superseded by this dump...
            f"DELETE FROM {history} WHERE valid_from = :t AND EXISTS"
            f" (SELECT 1 FROM _classified AS c WHERE c.action IN ('changed', 'back')"
            f" AND {self._matches(history, 'c')})",
            # ... a changed record's current version ends now...
            f"UPDATE {history} SET valid_to = :t WHERE valid_to IS NULL AND EXISTS"
            f" (SELECT 1 FROM _classified AS c WHERE c.action = 'changed'"
            f" AND {self._matches(history, 'c')})",
            # ... and every record that is not the same opens a version.
            f"INSERT INTO {history} ({columns}, valid_from)"
            f" SELECT {picked}, :t FROM {self.staging} AS s JOIN _classified AS c"
            f" ON {self._matches('s', 'c')}"
            " WHERE c.action IN ('new', 'changed', 'back')",
            f"UPDATE {target} SET {assignments}, last_seen_at = :t, deleted_at = NULL"
            f" FROM {staging} AS s JOIN _classified AS c ON {self._matches('s', 'c')}"
            f" WHERE {self._matches(target, 's')} AND c.action IN ('changed', 'back')",
            f"INSERT INTO {target} ({columns}, first_seen_at, last_seen_at)"
            f" SELECT {picked}, :t, :t FROM {staging} AS s JOIN _classified AS c"
            f" ON {self._matches('s', 'c')} WHERE c.action = 'new'{order}",
        ]
        if not full:  # a full dump moves them once the absent are marked
            statements.append(
                f"UPDATE {target} SET last_seen_at = :t FROM _classified AS c"
                f" WHERE {self._matches(target, 'c')} AND c.action = 'same'"
                f" AND {target}.last_seen_at < :t"
            )
        return statements

    @abstractmethod
    def _create_absent(self) -> None:
        """Create `_absent`: the keys of the current records the staged rows lack."""

    def _mark_deleted(self, as_of: datetime) -> int:
        """Mark deleted what a full dump lacks; the rest of the table was seen now.

        Once the absent records (`_create_absent`) are marked, every record still
        current is in the dump, so the records seen again are found without a join.
        """
        target, history = self.target, self.history
        self._create_absent()
        absent = "EXISTS (SELECT 1 FROM _absent AS a WHERE {})".format
        current = f"valid_to IS NULL AND {absent(self._matches(history, 'a'))}"
        # A version that would end as it begins never was.
        self._run_at(
            f"DELETE FROM {history} WHERE valid_from = :t AND {current}", as_of
        )
        self._run_at(f"UPDATE {history} SET valid_to = :t WHERE {current}", as_of)
        deleted = self._run_at(
            f"UPDATE {target} SET deleted_at = :t"
            f" WHERE {absent(self._matches(target, 'a'))}",
            as_of,
        )
        self._run_at(
            f"UPDATE {target} SET last_seen_at = :t"
            " WHERE deleted_at IS NULL AND last_seen_at < :t",
            as_of,
        )
        self.connection.exec_driver_sql("DROP TABLE _absent")
        return deleted

    def _run_at(self, sql: str, as_of: datetime) -> int:
        """Run a statement with `:t` bound to `as_of`; return the rows it wrote.

        `:t` is bound as an instant, as each database stores one.
        """
        statement = text(sql).bindparams(bindparam("t", type_=Instant()))
        return int(self.connection.execute(statement, {"t": as_of}).rowcount)

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
    """Batched inserts into a temporary table, then sorted into a keyed one.

    Rows are first appended in file order, which SQLite does at the speed of its
    file writes. One sorted `INSERT OR REPLACE` then moves them into the keyed
    staging table: the last row of each key wins, and the merge reads the rows in
    key order, the cheap order for the target's index. Inserting straight into the
    keyed table put every row at a random place in its B-tree: twice as slow.
    """

    staged_in_key_order = True

    def stage(self, items: Iterable[Item], *, load_id: int) -> int:
        """Insert the rows in batches; store each batch's rejections after it."""
        for table in (self.staging, self.appended):
            self.connection.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{table}")
        self.connection.exec_driver_sql(
            f"CREATE TEMP TABLE {self.appended} ({self.column_list}, _seq INTEGER)"
        )
        placeholders = ", ".join("?" for _ in range(len(self.dataset.columns) + 1))
        statement = (
            f"INSERT INTO {self.appended} ({self.column_list}, _seq) "
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
        return staged

    def _rebuildable_indexes(self, table: str) -> list[tuple[str, str]]:
        """The indexes created by statements (a key's own index cannot be dropped)."""
        indexes = self.connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
            " AND tbl_name = ? AND sql IS NOT NULL",
            (table,),
        ).all()
        return [(f"DROP INDEX {self.quote(name)}", sql) for name, sql in indexes]

    @property
    def appended(self) -> str:
        """The table rows are appended to, in file order."""
        return self.quote(f"_appended_{self.dataset.table_name}")

    def _deduplicate(self, staged: int) -> int:
        run = self.connection.exec_driver_sql
        run(
            f"CREATE TEMP TABLE {self.staging} ({self.column_list}, _seq INTEGER, "
            f"PRIMARY KEY ({self.key_list})) WITHOUT ROWID"
        )
        run(
            f"INSERT OR REPLACE INTO {self.staging} SELECT * FROM {self.appended}"
            f" ORDER BY {self.key_list}, _seq"
        )
        return int(run(f"SELECT count(*) FROM {self.staging}").scalar_one())

    def _create_classified(self, full: bool) -> None:
        keys = self.key_list
        self.connection.exec_driver_sql(
            f"CREATE TEMP TABLE _classified ({keys}, action, PRIMARY KEY ({keys}))"
            " WITHOUT ROWID"
        )
        differs = " OR ".join(f"t.{c} IS NOT s.{c}" for c in self.values)
        self.connection.exec_driver_sql(
            f"INSERT INTO _classified {self._classify_select(differs)}"
            f" ORDER BY {self.staged_keys}"
        )

    def _create_absent(self) -> None:
        """One anti-join into a keyed table (SQLite has FULL JOIN from 3.39 only)."""
        keys = self.key_list
        self.connection.exec_driver_sql(
            f"CREATE TEMP TABLE _absent ({keys}, PRIMARY KEY ({keys})) WITHOUT ROWID"
        )
        self.connection.exec_driver_sql(
            f"INSERT INTO _absent SELECT {keys} FROM {self.target} AS t"
            " WHERE t.deleted_at IS NULL AND NOT EXISTS"
            f" (SELECT 1 FROM {self.staging} AS s WHERE {self.key_match})"
        )

    def _copy_first(self, staged: int, as_of: datetime) -> int:
        """Sort the appended rows straight into the empty history, then copy it.

        The history's key is the record's key and this load's time: replacing on
        it keeps the last row of each key, as the keyed staging table would, so
        that table is not built at all.
        """
        columns = self.column_list
        self._run_at(
            f"INSERT OR REPLACE INTO {self.history} ({columns}, valid_from)"
            f" SELECT {columns}, :t FROM {self.appended}"
            f" ORDER BY {self.key_list}, _seq",
            as_of,
        )
        return self._run_at(
            f"INSERT INTO {self.target} ({columns}, first_seen_at, last_seen_at)"
            f" SELECT {columns}, :t, :t FROM {self.history}",
            as_of,
        )

    def merge(self, staged: int, *, as_of: datetime, full: bool) -> MergeCounts:
        """Merge as the base class does, then drop the staging tables it used."""
        counts = super().merge(staged, as_of=as_of, full=full)
        for table in (self.staging, self.appended):
            self.connection.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{table}")
        return counts


class PostgresStagingRepository(StagingRepository):
    """One `COPY` into a temporary table, then a few set-based statements.

    The COPY stream is fed while the source is parsed, so the server ingests rows on
    its own core while Python reads the next ones. The merge then deduplicates (last
    wins), finds the staged keys the table already holds in one join, updates those
    whose values differ, and inserts the rest: sorted by key into a table that holds
    rows, as they come into an empty one (its key is built after, by a sort anyway).
    """

    def stage(self, items: Iterable[Item], *, load_id: int) -> int:
        """Stream rows to the server with one COPY, then copy the rejections."""
        run = self.connection.exec_driver_sql
        run(
            f"CREATE TEMP TABLE {self.staging} ON COMMIT DROP AS "
            f"SELECT {self.column_list}, 0::bigint AS _seq FROM {self.target} "
            "WITH NO DATA"
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
                        f"COPY {self.staging} ({self.column_list}, _seq) FROM STDIN"
                        f" {COPY_CSV}",
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
        return stream.rows

    def _rebuildable_indexes(self, table: str) -> list[tuple[str, str]]:
        """Every index: a key's own index goes and comes back with its constraint."""
        run = self.connection.exec_driver_sql
        run("SET LOCAL maintenance_work_mem = '256MB'")  # sort room for the builds
        quoted = self.quote(table)
        constraints = run(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %(table)s::regclass AND contype IN ('p', 'u')",
            {"table": quoted},
        ).all()
        indexes = run(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid)"
            " FROM pg_index WHERE indrelid = %(table)s::regclass AND NOT EXISTS"
            " (SELECT FROM pg_constraint WHERE conindid = indexrelid)",
            {"table": quoted},
        ).all()
        alter = f"ALTER TABLE {quoted}"
        return [
            (
                f"{alter} DROP CONSTRAINT {self.quote(constraint)}",
                f"{alter} ADD CONSTRAINT {self.quote(constraint)} {definition}",
            )
            for constraint, definition in constraints
        ] + [(f"DROP INDEX {index}", definition) for index, definition in indexes]

    def _deduplicate(self, staged: int) -> int:
        run = self.connection.exec_driver_sql
        run(f"ANALYZE {self.staging}")
        run("SET LOCAL work_mem = '256MB'")
        distinct = int(
            run(
                f"SELECT count(*) FROM (SELECT DISTINCT {self.key_list} "
                f"FROM {self.staging}) AS k"
            ).scalar_one()
        )
        if distinct < staged:
            run(
                f"DELETE FROM {self.staging} AS t USING {self.staging} AS s "
                f"WHERE {self.key_match} AND t._seq < s._seq"
            )
        return distinct

    def _create_classified(self, full: bool) -> None:
        """Classify with one join: a full join when the absent keys are wanted too."""
        old = ", ".join(f"t.{c}" for c in self.values)
        new = ", ".join(f"s.{c}" for c in self.values)
        differs = f"ROW({old}) IS DISTINCT FROM ROW({new})"
        self.connection.exec_driver_sql(
            "CREATE TEMP TABLE _classified ON COMMIT DROP AS "
            + self._classify_select(differs, absent=full)
        )
        self.connection.exec_driver_sql("ANALYZE _classified")

    def _create_absent(self) -> None:
        """The absent keys, classified already."""
        self.connection.exec_driver_sql(
            f"CREATE TEMP TABLE _absent ON COMMIT DROP AS SELECT {self.key_list}"
            " FROM _classified WHERE action = 'absent'"
        )
        self.connection.exec_driver_sql("ANALYZE _absent")


class _CopyStream:
    """What psycopg2's `copy_expert` reads: COPY lines, encoded batch by batch.

    Rejections met on the way go to a file, as COPY lines for `rejected_record`, so
    that memory does not grow with them; an error raised by the source is kept to be
    re-raised as itself.
    """

    def __init__(
        self,
        items: Iterable[Item],
        encode: Callable[[Row, int], bytes],
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

    def read(self, _size: int = -1) -> bytes:
        try:
            return self._next_lines()
        except Exception as error:
            self.error = error
            raise

    def _next_lines(self) -> bytes:
        """The next batch's lines; empty only once the items are exhausted."""
        lines: list[bytes] = []
        seen = True
        while seen and not lines:  # a batch of rejections only: read on
            seen = False
            for item in islice(self._items, self._batch):
                seen = True
                if isinstance(item, Rejection):
                    self._rejected.write(
                        f"{self._load_id}\t{item.position}\t{copy_text(item.raw)}\t"
                        f"{copy_text(item.error)}\n"
                    )
                else:
                    lines.append(self._encode(item[1], item[0]))
        self.rows += len(lines)
        return b"".join(lines)

    readline = read


REPOSITORIES: dict[str, type[StagingRepository]] = {
    "postgresql": PostgresStagingRepository,
    "sqlite": SqliteStagingRepository,
}


def repository_for(connection: Connection, dataset: Dataset[Any]) -> StagingRepository:
    """The staging repository for the connection's database."""
    return REPOSITORIES[connection.dialect.name](connection, dataset)
