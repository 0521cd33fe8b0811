"""Runs a merge plan in the load's transaction and counts what it did."""

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, text
from sqlalchemy.exc import IntegrityError

from strider_challenge.adapters import indexes
from strider_challenge.adapters.merge_plan import (
    ACTIONS,
    DELETED,
    DISTINCT,
    IF_DUPLICATES,
    INSERTED,
    REMOVED,
    REPEATS,
    Step,
    merge_plan,
)
from strider_challenge.adapters.partitions import Partitions
from strider_challenge.domain.columns import Instant
from strider_challenge.domain.datasets import Dataset
from strider_challenge.domain.deletions import check_deletions
from strider_challenge.domain.results import MergeCounts

#: Room for PostgreSQL's sorts and hash joins, this transaction only.
WORK_MEM = "256MB"
#: SQLSTATE of a unique violation.
UNIQUE_VIOLATION = "23505"


class Merger:
    """Merges one dataset's staged rows into its table, in the open transaction.

    It asks the database what the plan depends on (is the table empty? which days
    have no partition yet?), runs `merge_plan`'s statements, and, around them,
    builds an empty table's indexes after the fill and attaches new partitions.
    """

    def __init__(self, connection: Connection, dataset: Dataset[Any]) -> None:
        self.connection = connection
        self.dataset = dataset
        self.dialect = connection.dialect.name
        self.target = connection.dialect.identifier_preparer.quote(dataset.table_name)

    def merge(
        self,
        staged: int,
        *,
        as_of: datetime,
        full: bool,
        max_deletes: float | None = None,
    ) -> MergeCounts:
        """Merge the `staged` rows, effective `as_of`; a `full` dump marks the rest.

        The classification counts the records a full dump lacks before any is
        marked: more than `max_deletes` percent of the current ones raises
        TooManyDeletionsError, and the load's transaction rolls back.

        On PostgreSQL the rows bound for empty tables or partitions are first
        trusted to repeat no key, inside a savepoint; if an index built after the
        fill finds a repeat, the savepoint is undone and the plan runs again, looking
        for repeats first.
        """

        def attempt(trust: bool) -> MergeCounts:
            return self._merge(staged, as_of, full, max_deletes, trust=trust)

        if self.dialect == "sqlite":
            return attempt(trust=False)
        self.connection.exec_driver_sql(f"SET LOCAL work_mem = '{WORK_MEM}'")
        try:
            with self.connection.begin_nested():
                return attempt(trust=True)
        except IntegrityError as error:
            if getattr(error.orig, "pgcode", None) != UNIQUE_VIOLATION:
                raise
        return attempt(trust=False)

    def _merge(
        self,
        staged: int,
        as_of: datetime,
        full: bool,
        max_deletes: float | None,
        *,
        trust: bool,
    ) -> MergeCounts:
        first = not self._holds_rows()
        partitions = Partitions(self.connection, self.dataset)
        fresh = partitions.prepare(first=first) if partitions.enabled else None
        plan = merge_plan(
            self.dataset,
            self.dialect,
            full=full,
            first=first,
            fresh=fresh,
            trust_fresh_keys=trust,
        )
        if first and fresh is None:
            with indexes.built_after(self.connection, self.dataset.table_name):
                counts = self._run(plan, staged, as_of, max_deletes)
        else:
            counts = self._run(plan, staged, as_of, max_deletes)
        if fresh is not None:
            partitions.attach(fresh)
        return counts

    def _holds_rows(self) -> bool:
        return bool(
            self.connection.exec_driver_sql(
                f"SELECT EXISTS (SELECT 1 FROM {self.target})"
            ).scalar_one()
        )

    def _run(
        self,
        plan: tuple[Step, ...],
        staged: int,
        as_of: datetime,
        max_deletes: float | None,
    ) -> MergeCounts:
        inserted, deleted = 0, 0
        distinct: int | None = None
        repeats: int | None = None
        actions: dict[str, int] = {}
        for step in plan:
            if step.when == IF_DUPLICATES and not repeats:
                continue
            statement = text(step.sql)
            if ":t" in step.sql:
                statement = statement.bindparams(bindparam("t", type_=Instant()))
            result = self.connection.execute(statement, {"t": as_of})
            if step.counts == ACTIONS:
                actions = {str(action): int(n) for action, n in result}
                check_deletions(
                    self.dataset.name,
                    deleting=actions.get("absent", 0),
                    # Every current record is absent, changed or the same.
                    current=sum(
                        actions.get(a, 0) for a in ("absent", "changed", "same")
                    ),
                    max_deletes=max_deletes,
                )
            elif step.counts == DISTINCT:
                distinct = int(result.scalar_one())
            elif step.counts == REPEATS:
                repeats = int(result.scalar_one())
            elif step.counts == REMOVED:
                repeats = int(result.rowcount)
            elif step.counts == INSERTED:
                rows = result.scalar_one() if result.returns_rows else result.rowcount
                inserted += int(rows)
            elif step.counts == DELETED:
                deleted = int(result.rowcount)
        back = actions.get("back", 0)
        return MergeCounts(
            inserted=inserted + actions.get("new", 0),
            updated=actions.get("changed", 0) + back,
            unchanged=actions.get("same", 0),
            duplicates=_duplicates(staged, inserted, distinct, repeats),
            deleted=deleted,
            undeleted=back,
        )


def _duplicates(
    staged: int, inserted: int, distinct: int | None, repeats: int | None
) -> int:
    """Staged rows whose key a later row repeats, from what the plan counted."""
    if repeats is not None:
        return repeats
    return staged - (inserted if distinct is None else distinct)
