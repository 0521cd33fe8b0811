"""The unit of work: one database transaction that rolls back unless committed."""

import zlib
from abc import ABC, abstractmethod
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Connection, Engine, text

from strider_challenge.adapters import schema
from strider_challenge.adapters.database import (
    SQLITE_WRITES,
    as_database_error,
    database_errors,
)
from strider_challenge.adapters.ledger import LedgerRepository
from strider_challenge.adapters.merging import Merger as SqlMerger
from strider_challenge.adapters.staging import stager_for
from strider_challenge.domain.datasets import Dataset
from strider_challenge.service_layer.ports import Ledger, Merger, Stager

#: The first key of every advisory lock this tool takes ("SC" for scli).
LOCK_SPACE = 0x5343


def _lock_key(model: str) -> int:
    """A stable 32-bit signed key per model for `pg_advisory_xact_lock`."""
    return zlib.crc32(model.encode()) - 2**31


class AbstractUnitOfWork(ABC):
    """A transaction: everything done inside it lands together or not at all."""

    committed = False

    def __enter__(self) -> Self:
        self.committed = False
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if not self.committed:
            self.rollback()

    def commit(self) -> None:
        """Make the work durable."""
        self._commit()
        self.committed = True

    @abstractmethod
    def _commit(self) -> None: ...

    @abstractmethod
    def rollback(self) -> None:
        """Undo everything done since the unit of work began."""

    @abstractmethod
    def stager(self, dataset: Dataset[Any]) -> Stager:
        """What stages one dataset's rows, in this transaction."""

    @abstractmethod
    def merger(self, dataset: Dataset[Any]) -> Merger:
        """What merges the staged rows into the dataset's table, in this transaction."""

    @abstractmethod
    def lock_model(self, model: str) -> bool:
        """Hold the model's load lock until the transaction ends; wait if taken.

        Returns:
            Whether the lock was free at once.
        """

    @abstractmethod
    def wait_for_model(self, model: str) -> None:
        """Block until the model's load lock is free, then hold it."""

    @property
    @abstractmethod
    def ledger(self) -> Ledger:
        """The load ledger, in this transaction."""

    @abstractmethod
    def create_schema(self) -> None:
        """Create or upgrade the schema to the newest revision."""

    @abstractmethod
    def schema_revisions(self) -> tuple[str | None, str]:
        """The database's schema revision, and the newest one the code knows."""


class SqlAlchemyUnitOfWork(AbstractUnitOfWork):
    """A unit of work on one connection of a SQLAlchemy engine.

    Every error of the database or its driver, raised inside the unit of work or
    while it begins or ends, leaves it as the domain's DatabaseError, with the
    driver's one-line message.

    Args:
        engine: the database's engine.
        writes: whether the work writes. On SQLite a writer takes the write lock
            when it begins (and waits for another writer); a reader does not, so
            `scli runs` reads beside a running load (WAL) instead of queueing.
    """

    def __init__(self, engine: Engine, *, writes: bool = True) -> None:
        self.engine = engine
        self.writes = writes

    def __enter__(self) -> Self:
        with database_errors():
            self.connection: Connection = self.engine.connect().execution_options(
                **{SQLITE_WRITES: self.writes}
            )
            self.transaction = self.connection.begin()
        return super().__enter__()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            with database_errors():
                try:
                    super().__exit__(exc_type, exc, traceback)
                except Exception:
                    # A rollback on a connection the server dropped fails too; the
                    # error on its way out already says what happened.
                    if exc is None:
                        raise
        finally:
            self.connection.close()
        translated = None if exc is None else as_database_error(exc)
        if translated is not None:
            raise translated from None

    def _commit(self) -> None:
        self.transaction.commit()

    def rollback(self) -> None:
        """Roll the transaction back (a no-op once it has ended)."""
        if self.transaction.is_active:
            self.transaction.rollback()

    def stager(self, dataset: Dataset[Any]) -> Stager:
        """The stager of this transaction's database."""
        return stager_for(self.connection, dataset)

    def merger(self, dataset: Dataset[Any]) -> Merger:
        """A merger on this transaction's connection."""
        return SqlMerger(self.connection, dataset)

    def lock_model(self, model: str) -> bool:
        """Try the model's advisory lock (PostgreSQL); SQLite serialises writers.

        On SQLite the whole database has one writer at a time: the ledger row a
        load writes first takes that lock until the load commits.
        """
        if self.connection.dialect.name != "postgresql":
            return True
        return bool(
            self.connection.execute(
                text("SELECT pg_try_advisory_xact_lock(:space, :key)"),
                {"space": LOCK_SPACE, "key": _lock_key(model)},
            ).scalar_one()
        )

    def wait_for_model(self, model: str) -> None:
        """Wait for the model's advisory lock (PostgreSQL only)."""
        self.connection.execute(
            text("SELECT pg_advisory_xact_lock(:space, :key)"),
            {"space": LOCK_SPACE, "key": _lock_key(model)},
        )

    @property
    def ledger(self) -> Ledger:
        """The load ledger on this transaction's connection."""
        return LedgerRepository(self.connection)

    def create_schema(self) -> None:
        """Run the migrations inside this transaction."""
        schema.upgrade(self.connection)

    def schema_revisions(self) -> tuple[str | None, str]:
        """Read the database's revision (an unversioned one is recognised)."""
        return schema.current_revision(self.connection), schema.head_revision()
