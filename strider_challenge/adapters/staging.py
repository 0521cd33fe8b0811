"""Stagers: typed row batches into the load's staging table, and nothing else.

A stager only moves bytes: it creates `_staging_<table>` (the dataset's columns and
`_seq`) inside the load's transaction and writes every batch it is handed into it.
What the rows mean is the merge plan's business (`adapters/merge_plan.py`).

- PostgreSQL: one `COPY ... FROM STDIN (FORMAT binary)` on the load's own
  connection, fed batch by batch with pgpq's encoding of the Arrow batches, so the
  server ingests rows while the next batch is read and checked.
- SQLite: each batch bound at once with `executemany` into a temporary table.
"""

import sys
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import pyarrow as pa
from pgpq import ArrowToPostgresBinaryEncoder
from pgpq.encoders import StringEncoderBuilder
from pgpq.schema import Jsonb
from sqlalchemy import Connection

from strider_challenge.adapters.arrow_rows import (
    is_document,
    row_schema,
    sqlite_rows,
    table_columns,
)
from strider_challenge.adapters.database import describe_database_error
from strider_challenge.adapters.merge_plan import SEQ, staging_table
from strider_challenge.domain.datasets import Dataset
from strider_challenge.domain.errors import DatabaseError


class Stager(ABC):
    """Writes one dataset's row batches into its staging table."""

    def __init__(self, connection: Connection, dataset: Dataset[Any]) -> None:
        self.connection = connection
        self.dataset = dataset
        quote = connection.dialect.identifier_preparer.quote
        self.staging = quote(staging_table(dataset))
        self.target = quote(dataset.table_name)
        self.record_columns = ", ".join(quote(c) for c in dataset.columns)
        self.columns = f"{self.record_columns}, {SEQ}"
        self.width = len(dataset.columns) + 1

    @abstractmethod
    def stage(self, batches: Iterable[pa.RecordBatch]) -> int:
        """Create the staging table and write every batch; return the rows staged."""

    def _driver(self) -> Any:
        """The driver's own connection, for COPY and executemany."""
        return self.connection.connection.driver_connection


class PostgresStager(Stager):
    """One binary COPY into a temporary table, fed by pgpq."""

    def stage(self, batches: Iterable[pa.RecordBatch]) -> int:
        """Stream every batch to the server in one COPY."""
        self.connection.exec_driver_sql(
            f"CREATE TEMP TABLE {self.staging} ON COMMIT DROP AS SELECT "
            f"{self.record_columns}, 0::bigint AS {SEQ} FROM {self.target} WITH NO DATA"
        )
        stream = _CopyStream(_encoder(self.dataset), batches)
        with self._driver().cursor() as cursor, _printed_errors() as printed:
            try:
                cursor.copy_expert(
                    f"COPY {self.staging} ({self.columns}) FROM STDIN (FORMAT binary)",
                    stream,
                )
            except Exception:
                # psycopg2 reports an error raised while it reads as a failed COPY;
                # the reader's own error is the one that says what happened.
                if stream.error is not None:
                    raise stream.error from None
                if printed:
                    raise DatabaseError(describe_database_error(printed[0])) from None
                raise
        return stream.rows


@contextmanager
def _printed_errors() -> Iterator[list[BaseException]]:
    """Keep what psycopg2 would print of an error it meets during a COPY.

    When the server drops the connection mid-COPY, psycopg2's C code prints the
    server's error (with `sys.excepthook`, so a chained traceback lands on stderr)
    and then raises a vaguer one, "connection already closed". The printed one,
    kept here, says what happened: its cause is the server's own error.
    """
    printed: list[BaseException] = []
    previous = sys.excepthook
    sys.excepthook = lambda kind, error, traceback: printed.append(
        error.__cause__ or error
    )
    try:
        yield printed
    finally:
        sys.excepthook = previous


def _encoder(dataset: Dataset[Any]) -> ArrowToPostgresBinaryEncoder:
    """The pgpq encoder of the dataset's batches; JSON documents as jsonb."""
    schema = row_schema(dataset)
    encoders = {
        field.name: ArrowToPostgresBinaryEncoder.infer_encoder(field)
        for field in schema
    }
    for column in table_columns(dataset):
        if is_document(column):
            field = schema.field(column.name)
            encoders[column.name] = StringEncoderBuilder.new_with_output(field, Jsonb())
    return ArrowToPostgresBinaryEncoder.new_with_encoders(schema, encoders)


class _CopyStream:
    """What psycopg2's `copy_expert` reads: the binary COPY stream, batch by batch.

    An error raised while producing the batches is kept, to be re-raised as itself;
    Ctrl-C too (KeyboardInterrupt), which psycopg2 would report as a failed COPY.
    """

    def __init__(
        self, encoder: ArrowToPostgresBinaryEncoder, batches: Iterable[pa.RecordBatch]
    ) -> None:
        self.rows = 0
        self.error: BaseException | None = None
        self._parts = self._encoded(encoder, batches)

    def _encoded(
        self, encoder: ArrowToPostgresBinaryEncoder, batches: Iterable[pa.RecordBatch]
    ) -> Iterator[bytes]:
        yield encoder.write_header()
        for batch in batches:
            self.rows += batch.num_rows
            yield encoder.write_batch(batch)
        yield encoder.finish()

    def read(self, _size: int = -1) -> bytes:
        """The next non-empty part; empty only at the end.

        pgpq may return nothing for a batch it buffers, and psycopg2 takes an empty
        read for the end of the data: empty parts are skipped.
        """
        try:
            for part in self._parts:
                if part:
                    return part
        except BaseException as error:
            self.error = error
            raise
        return b""

    readline = read


class SqliteStager(Stager):
    """Batches bound with executemany into a temporary table, in file order.

    Appending in file order goes at the speed of SQLite's file writes; the merge
    plan then sorts the rows into a keyed table or straight into the target.
    """

    def stage(self, batches: Iterable[pa.RecordBatch]) -> int:
        """Insert every batch."""
        self.connection.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{self.staging}")
        self.connection.exec_driver_sql(
            f"CREATE TEMP TABLE {self.staging} ({self.columns})"
        )
        marks = ", ".join("?" * self.width)
        statement = f"INSERT INTO {self.staging} ({self.columns}) VALUES ({marks})"
        cursor = self._driver().cursor()
        rows = 0
        try:
            for batch in batches:
                cursor.executemany(statement, sqlite_rows(batch))
                rows += batch.num_rows
        finally:
            cursor.close()
        return rows


STAGERS: dict[str, type[Stager]] = {
    "postgresql": PostgresStager,
    "sqlite": SqliteStager,
}


def stager_for(connection: Connection, dataset: Dataset[Any]) -> Stager:
    """The stager of the connection's database."""
    return STAGERS[connection.dialect.name](connection, dataset)
