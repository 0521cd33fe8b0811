"""The unit of work: one database transaction that rolls back unless committed."""

from abc import ABC, abstractmethod
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Connection, Engine
from sqlmodel import SQLModel

from strider_challenge.adapters.ledger import LedgerRepository
from strider_challenge.adapters.repository import StagingRepository, repository_for
from strider_challenge.domain import ledger as _ledger_tables  # noqa: F401 (metadata)
from strider_challenge.domain.datasets import Dataset


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
    def repository(self, dataset: Dataset[Any]) -> StagingRepository:
        """The repository that writes one dataset's rows in this transaction."""

    @property
    @abstractmethod
    def ledger(self) -> LedgerRepository:
        """The load ledger, in this transaction."""

    @abstractmethod
    def create_schema(self) -> None:
        """Create every table that does not exist yet."""


class SqlAlchemyUnitOfWork(AbstractUnitOfWork):
    """A unit of work on one connection of a SQLAlchemy engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __enter__(self) -> Self:
        self.connection: Connection = self.engine.connect()
        self.transaction = self.connection.begin()
        return super().__enter__()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            super().__exit__(exc_type, exc, traceback)
        finally:
            self.connection.close()

    def _commit(self) -> None:
        self.transaction.commit()

    def rollback(self) -> None:
        """Roll the transaction back (a no-op once it has ended)."""
        self.transaction.rollback()

    def repository(self, dataset: Dataset[Any]) -> StagingRepository:
        """A staging repository bound to this transaction's connection."""
        return repository_for(self.connection, dataset)

    @property
    def ledger(self) -> LedgerRepository:
        """The load ledger on this transaction's connection."""
        return LedgerRepository(self.connection)

    def create_schema(self) -> None:
        """Create the tables inside this transaction."""
        SQLModel.metadata.create_all(self.connection)
