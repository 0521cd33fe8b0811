"""A read-only session: one transaction the database itself keeps from writing.

It is always rolled back, and its connection is discarded rather than pooled, so the
read-only settings never reach another unit of work.
"""

from abc import ABC, abstractmethod
from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine

from strider_challenge.adapters.checks import SqlCheckQueries
from strider_challenge.adapters.database import as_database_error, database_errors
from strider_challenge.adapters.queries import AnswerQueries, queries_for


class AbstractReadOnlyUnitOfWork(ABC):
    """A transaction that reads; nothing done inside it is ever committed."""

    queries: AnswerQueries
    checks: SqlCheckQueries

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.rollback()

    @abstractmethod
    def rollback(self) -> None:
        """End the transaction, undoing anything the session let through."""


class SqlAlchemyReadOnlyUnitOfWork(AbstractReadOnlyUnitOfWork):
    """A read-only transaction on a fresh connection of a SQLAlchemy engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __enter__(self) -> Self:
        with database_errors():
            self.connection: Connection = self.engine.connect()
            try:
                self.connection.begin()
                queries = queries_for(self.connection)
                queries.make_read_only()
            except BaseException:
                self._discard()
                raise
        self.queries = queries
        self.checks = SqlCheckQueries(self.connection)
        return super().__enter__()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            super().__exit__(exc_type, exc, traceback)
        except Exception:
            # Nothing to undo in a read-only session, and its connection is
            # discarded: one the server dropped cannot roll back, and need not.
            pass
        finally:
            self._discard()
        translated = None if exc is None else as_database_error(exc)
        if translated is not None:
            raise translated from None

    def rollback(self) -> None:
        """Roll the transaction back."""
        self.connection.rollback()

    def _discard(self) -> None:
        self.connection.invalidate()
        self.connection.close()
