"""The merge as plain SQL: the statements that fold the staged rows into a table.

`merge_plan(dataset, dialect, full=..., first=..., fresh=...)` returns, in order, the
statements a load runs once its rows are in `_staging_<table>` (the dataset's columns
plus `_seq`, each row's position in the source: the last row of a key wins). It is a
pure function, unit-tested by reading its output; `adapters/merging.py` runs it.

History is system-versioned: the current table holds each record's current version
and when it began (`valid_from`); a version that ends moves to `<table>_history` with
its end (`valid_to`). A new or unchanged record writes one row, not two.

- **A first load** (the table is empty) inserts the last staged row of each key:
  nothing to compare, nothing to close.
- **A later load** classifies each staged key with one join against the table (a full
  join for a full dump, whose current keys missing from the staging are `absent`):
  `new`, `back` (it had been deleted), `changed` or `same`. The version of a changed
  or absent record moves to the history (unless it began at this very time: a
  version never ends as it begins); changed and returning records take the staged
  values from now on; absent ones are marked deleted; new ones are inserted, in key
  order; every record seen again moves its `last_seen_at`.
- **Fresh days** (`stream` on PostgreSQL, partitioned by day): staged rows of a day
  that had no partition are new by definition. They skip the classification and go
  through a loader table into new partitions that have no index yet; the partitions
  are indexed and attached once filled (`adapters/partitions.py`).

Every statement binds the load's effective time as `:t`.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.dialects import registry

from strider_challenge.domain.datasets import Dataset

#: The column of a staged row's position in its source.
SEQ = "_seq"

#: What a step's result is: a count of rows it wrote, or one it returns.
INSERTED, DISTINCT, ACTIONS, DELETED = "inserted", "distinct", "actions", "deleted"
REPEATS, REMOVED = "repeats", "removed"

#: A step needed only when the staged rows repeat a key.
IF_DUPLICATES = "if duplicates"


@dataclass(frozen=True)
class Step:
    """One statement of a merge.

    Args:
        sql: the statement; `:t` is the load's effective time.
        counts: what its result counts: INSERTED (rows it wrote), DISTINCT (the
            distinct staged keys it returns), REPEATS (the staged rows it returns
            whose key a later row repeats), REMOVED (the repeated rows it deleted:
            every repeat, trusted days included), ACTIONS (rows of action and count),
            DELETED (rows it wrote), or None.
        when: IF_DUPLICATES for a step that runs only when keys repeat, else None.
    """

    sql: str
    counts: str | None = None
    when: str | None = None


@dataclass(frozen=True)
class FreshDays:
    """Where staged rows of days without a partition go, and which days those are.

    Args:
        loader: a table partitioned like the target whose partitions are the new
            days' partitions, still without indexes.
        column: the partition column.
        ranges: the new days, as [start, end) intervals.
    """

    loader: str
    column: str
    ranges: tuple[tuple[datetime, datetime], ...]


@dataclass(frozen=True)
class _Dialect:
    """What the merge says differently on one database."""

    name: str
    #: Makes `{name}` from `{query}`, dropped when the transaction ends.
    temp_table_as: str
    #: Whether statistics of a new temporary table help the planner.
    analyze: bool
    #: The table the deduplicated staged rows are read from, when not the staging.
    batch: str | None
    #: Whether temporary tables outlive the transaction, so the plan drops them.
    keeps_temporary_tables: bool


_DIALECTS = {
    # Deduplicated in place; temporary tables end with the transaction.
    "postgresql": _Dialect(
        "postgresql",
        "CREATE TEMP TABLE {name} ON COMMIT DROP AS {query}",
        analyze=True,
        batch=None,
        keeps_temporary_tables=False,
    ),
    # Sorted into a keyed table, which also hands the merge its rows in key order.
    "sqlite": _Dialect(
        "sqlite",
        "CREATE TEMP TABLE {name} AS {query}",
        analyze=False,
        batch="_batch",
        keeps_temporary_tables=True,
    ),
}


def staging_table(dataset: Dataset[Any]) -> str:
    """The name of the dataset's staging table."""
    return f"_staging_{dataset.table_name}"


class _Names:
    """The dataset's tables and column lists, quoted for one database."""

    def __init__(self, dataset: Dataset[Any], sql: _Dialect) -> None:
        quote = registry.load(sql.name)().identifier_preparer.quote
        self.quote = quote
        self.target = quote(dataset.table_name)
        self.history = quote(dataset.history.name)
        self.staging = quote(staging_table(dataset))
        self.batch = sql.batch or self.staging
        self.all = [quote(c) for c in dataset.columns]
        self.key = [quote(c) for c in dataset.key]
        self.values = [quote(c) for c in dataset.columns if c not in dataset.key]
        self.columns = ", ".join(self.all)
        self.keys = ", ".join(self.key)

    def prefixed(self, alias: str, names: Sequence[str] | None = None) -> str:
        """`alias.c1, alias.c2, ...` of every record column (or of `names`)."""
        return ", ".join(f"{alias}.{c}" for c in (self.all if names is None else names))

    def match(self, left: str, right: str) -> str:
        """The key of `left` equals the key of `right`."""
        return " AND ".join(f"{left}.{c} = {right}.{c}" for c in self.key)

    def into(self, table: str) -> str:
        """`INSERT INTO table (columns, tracking columns)` of a new record."""
        return (
            f"INSERT INTO {table} ({self.columns}, valid_from, first_seen_at,"
            " last_seen_at)"
        )


def merge_plan(
    dataset: Dataset[Any],
    dialect: str,
    *,
    full: bool,
    first: bool,
    fresh: FreshDays | None = None,
    trust_fresh_keys: bool = False,
) -> tuple[Step, ...]:
    """The statements that merge the staged rows into the dataset's table.

    Args:
        dataset: the model loaded.
        dialect: `postgresql` or `sqlite`.
        full: the staged rows are the model's whole dataset: mark the others deleted.
        first: the table holds no row yet.
        fresh: the days whose staged rows go to new partitions (PostgreSQL).
        trust_fresh_keys: (PostgreSQL) rows bound for a table or partition that is
            filled without indexes are inserted as staged, without looking for a
            repeated key: the unique index built after the fill finds one, and the
            caller then runs the plan again without this flag. Sorting a million
            rows for repeats that are almost never there cost more than half of a
            first load.
    """
    sql = _DIALECTS[dialect]
    names = _Names(dataset, sql)
    trust = trust_fresh_keys and sql.name == "postgresql"
    if first:
        steps = _first_load(names, sql, fresh, trust)
        made = [names.staging]
    else:
        steps = (
            *_deduplicate(names, sql, fresh if trust else None),
            *_fill_fresh_days(names, fresh),
            *_classify(names, sql, full, fresh),
            *_apply(names, full),
        )
        made = [names.staging, names.batch]
    if not sql.keeps_temporary_tables:
        return steps
    return (*steps, *(Step(f"DROP TABLE {table}") for table in dict.fromkeys(made)))


def _first_load(
    names: _Names, sql: _Dialect, fresh: FreshDays | None, trust: bool
) -> tuple[Step, ...]:
    """Insert the last staged row of each key: every record is new."""
    columns, keys = names.columns, names.keys
    if sql.name == "postgresql":
        into = names.into(names.quote(fresh.loader) if fresh else names.target)
        if trust:
            return (
                Step(
                    f"{into} SELECT {columns}, :t, :t, :t FROM {names.staging}",
                    counts=INSERTED,
                ),
            )
        return (
            Step(
                f"{into} SELECT DISTINCT ON ({keys}) {columns}, :t, :t, :t"
                f" FROM {names.staging} ORDER BY {keys}, {SEQ} DESC",
                counts=INSERTED,
            ),
        )
    # SQLite has no DISTINCT ON; replacing on the key, in (key, position) order, keeps
    # the last row of each key and fills the table in key order.
    return (
        Step(
            "INSERT OR REPLACE"
            + names.into(names.target)[len("INSERT") :]
            + f" SELECT {columns}, :t, :t, :t FROM {names.staging}"
            f" ORDER BY {keys}, {SEQ}"
        ),
        Step(f"SELECT count(*) FROM {names.target}", counts=INSERTED),
    )


def _deduplicate(
    names: _Names, sql: _Dialect, trusted: FreshDays | None
) -> tuple[Step, ...]:
    """Count the repeated staged keys; keep only the last row of a repeated key.

    The rows of `trusted` days are not looked at: their partitions' unique indexes,
    built after the fill, will refuse a repeat.
    """
    staging, keys = names.staging, names.keys
    if sql.name == "sqlite":
        return (
            Step(
                f"CREATE TEMP TABLE {names.batch} ({names.columns}, {SEQ},"
                f" PRIMARY KEY ({keys})) WITHOUT ROWID"
            ),
            Step(
                f"INSERT OR REPLACE INTO {names.batch} SELECT {names.columns}, {SEQ}"
                f" FROM {staging} ORDER BY {keys}, {SEQ}"
            ),
            Step(f"SELECT count(*) FROM {names.batch}", counts=DISTINCT),
        )
    where = f" WHERE NOT {_in_fresh_days(trusted)}" if trusted else ""
    return (
        Step(
            f"SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM {staging}"
            f"{where} GROUP BY {keys} HAVING count(*) > 1) AS k",
            counts=REPEATS,
        ),
        Step(
            f"DELETE FROM {staging} AS earlier USING {staging} AS later"
            f" WHERE {names.match('earlier', 'later')}"
            f" AND earlier.{SEQ} < later.{SEQ}",
            counts=REMOVED,
            when=IF_DUPLICATES,
        ),
        Step(f"ANALYZE {staging}"),
    )


def _in_fresh_days(fresh: FreshDays) -> str:
    """The staged row falls on one of the fresh days.

    The bounds are written as epoch seconds: the text of a timestamp has colons,
    which would read as bind parameters.
    """
    column = fresh.column
    bounds = " OR ".join(
        f"{column} >= to_timestamp({start.timestamp():.0f})"
        f" AND {column} < to_timestamp({end.timestamp():.0f})"
        for start, end in fresh.ranges
    )
    return f"({bounds})"


def _fill_fresh_days(names: _Names, fresh: FreshDays | None) -> tuple[Step, ...]:
    """Insert the (deduplicated) rows of the fresh days into their new partitions."""
    if fresh is None:
        return ()
    return (
        Step(
            f"{names.into(names.quote(fresh.loader))} SELECT {names.columns}, :t, :t,"
            f" :t FROM {names.batch} WHERE {_in_fresh_days(fresh)}",
            counts=INSERTED,
        ),
    )


def _differs(names: _Names, sql: _Dialect) -> str:
    """Some non-key value of the staged row `s` differs from the table's row `t`."""
    if sql.name == "postgresql":
        old, new = names.prefixed("t", names.values), names.prefixed("s", names.values)
        return f"ROW({old}) IS DISTINCT FROM ROW({new})"
    return " OR ".join(f"t.{c} IS NOT s.{c}" for c in names.values)


def _classify(
    names: _Names, sql: _Dialect, full: bool, fresh: FreshDays | None
) -> tuple[Step, ...]:
    """Classify each staged key (and, for a full dump, each absent one) in one join."""
    first = names.key[0]
    keys, join, absent, where = names.prefixed("s", names.key), "LEFT JOIN", "", []
    if full:
        keys = ", ".join(f"COALESCE(s.{c}, t.{c}) AS {c}" for c in names.key)
        join = "FULL JOIN"
        absent = f" WHEN s.{first} IS NULL THEN 'absent'"
        where.append(f"(s.{first} IS NOT NULL OR t.deleted_at IS NULL)")
    staged = names.batch
    if fresh is not None:
        staged = f"(SELECT * FROM {names.batch} WHERE NOT {_in_fresh_days(fresh)})"
    query = (
        f"SELECT {keys}, CASE{absent}"
        f" WHEN t.{first} IS NULL THEN 'new'"
        " WHEN t.deleted_at IS NOT NULL THEN 'back'"
        f" WHEN {_differs(names, sql)} THEN 'changed'"
        " ELSE 'same' END AS action"
        f" FROM {staged} AS s {join} {names.target} AS t"
        f" ON {names.match('t', 's')}"
        + (f" WHERE {' AND '.join(where)}" if where else "")
    )
    steps = [Step(sql.temp_table_as.format(name="_classified", query=query))]
    if sql.analyze:
        steps.append(Step("ANALYZE _classified"))
    steps.append(
        Step("SELECT action, count(*) FROM _classified GROUP BY action", counts=ACTIONS)
    )
    return tuple(steps)


def _apply(names: _Names, full: bool) -> tuple[Step, ...]:
    """Write what the classification decided, then drop it."""
    target, history, batch = names.target, names.history, names.batch
    assignments = "".join(f"{c} = s.{c}, " for c in names.values)
    steps = [
        # A version that ends now goes to the history, unless it began now too.
        Step(
            f"INSERT INTO {history} ({names.columns}, valid_from, valid_to)"
            f" SELECT {names.prefixed('t')}, t.valid_from, :t"
            f" FROM {target} AS t JOIN _classified AS c ON {names.match('t', 'c')}"
            " WHERE c.action IN ('changed', 'absent') AND t.valid_from < :t"
        ),
        Step(
            f"UPDATE {target} SET {assignments}valid_from = :t, last_seen_at = :t,"
            f" deleted_at = NULL FROM {batch} AS s JOIN _classified AS c"
            f" ON {names.match('s', 'c')} WHERE {names.match(target, 's')}"
            " AND c.action IN ('changed', 'back')"
        ),
    ]
    if full:
        steps.append(
            Step(
                f"UPDATE {target} SET deleted_at = :t FROM _classified AS c"
                f" WHERE {names.match(target, 'c')} AND c.action = 'absent'",
                counts=DELETED,
            )
        )
    steps.append(
        Step(
            f"{names.into(target)} SELECT {names.prefixed('s')}, :t, :t, :t"
            f" FROM {batch} AS s JOIN _classified AS c ON {names.match('s', 'c')}"
            f" WHERE c.action = 'new' ORDER BY {names.prefixed('s', names.key)}"
        )
    )
    if full:
        # Every record still current is in the dump: no join needed to find them.
        steps.append(
            Step(
                f"UPDATE {target} SET last_seen_at = :t"
                " WHERE deleted_at IS NULL AND last_seen_at < :t"
            )
        )
    else:
        steps.append(
            Step(
                f"UPDATE {target} SET last_seen_at = :t FROM _classified AS c"
                f" WHERE {names.match(target, 'c')} AND c.action = 'same'"
                f" AND {target}.last_seen_at < :t"
            )
        )
    steps.append(Step("DROP TABLE _classified"))
    return tuple(steps)
