"""Daily partitions of a partitioned table, on PostgreSQL (`stream`).

A partition holds one UTC day of the partition column (`start_at`). Before a merge,
the days the staged rows fall on that have no partition yet are given one, created
bare (no index) under a loader table partitioned the same way: the merge plan
inserts those rows there, as they are new by definition (`FreshDays`). Once filled,
each partition leaves the loader and is attached to the table, which builds its
indexes in one sort each. Everything happens inside the load's transaction: no
other session ever sees a partition half filled or without its indexes.

A day is a partition because a night's dump brings the previous day's streams: its
rows then land in partitions that were empty, every night (docs/architecture.md,
section 3, has the measurements behind the choice).
"""

import re
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Connection

from strider_challenge.adapters.indexes import MAINTENANCE_WORK_MEM
from strider_challenge.adapters.merge_plan import FreshDays, staging_table
from strider_challenge.domain.datasets import Dataset

#: How a new partition stores its rows (a stream is rarely rewritten once loaded).
PARTITION_STORAGE = "WITH (fillfactor = 50)"

_BOUNDS = re.compile(r"FROM \('([^']+)'\) TO \('([^']+)'\)")
_SPEC = re.compile(r"^RANGE \((\w+)\)$")
DAY = timedelta(days=1)


def partition_column(dataset: Dataset[Any]) -> str | None:
    """The column a dataset's table is partitioned by on PostgreSQL, if any."""
    table = dataset.table.__table__  # type: ignore[attr-defined]
    spec = table.dialect_options["postgresql"].get("partition_by")
    found = _SPEC.match(spec or "")
    return found.group(1) if found else None


def partition_name(table: str, day: datetime) -> str:
    """The name of a table's partition of one day: `stream_2021_12_25`."""
    return f"{table}_{day:%Y_%m_%d}"


class Partitions:
    """The daily partitions of one dataset's table, in the load's transaction."""

    def __init__(self, connection: Connection, dataset: Dataset[Any]) -> None:
        self.connection = connection
        self.column = partition_column(dataset)
        self.enabled = connection.dialect.name == "postgresql" and bool(self.column)
        self.quote = connection.dialect.identifier_preparer.quote
        self.table = dataset.table_name
        self.loader = f"_loading_{self.table}"
        self.staging = staging_table(dataset)

    def _existing(self) -> list[tuple[str, datetime, datetime]]:
        """The table's partitions: name, start, end."""
        rows = self.connection.exec_driver_sql(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits AS i"
            " JOIN pg_class AS c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = %(table)s::regclass",
            {"table": self.quote(self.table)},
        ).all()
        found = []
        for name, bound in rows:
            match = _BOUNDS.search(bound or "")
            if match:
                start, end = (datetime.fromisoformat(v) for v in match.groups())
                found.append((str(name), start, end))
        return found

    def _staged_days(self) -> list[datetime]:
        """The UTC days the staged rows fall on."""
        column = self.quote(self.column or "")
        rows = self.connection.exec_driver_sql(
            f"SELECT DISTINCT date_trunc('day', {column}, 'UTC')"
            f" FROM {self.quote(self.staging)}"
        ).scalars()
        return sorted(day.astimezone(timezone.utc) for day in rows)

    def prepare(self, *, first: bool) -> FreshDays | None:
        """Give the staged days without a partition one each, under the loader.

        Args:
            first: the table holds no row: every staged day is fresh, and a
                partition already there for one of them (empty) is replaced.
        """
        existing = self._existing()
        fresh = []
        for day in self._staged_days():
            covering = [p for p in existing if p[1] <= day < p[2]]
            if covering and first:
                self._run(f"DROP TABLE {self.quote(covering[0][0])}")
                existing.remove(covering[0])
            if first or not covering:
                fresh.append(day)
        if not fresh:
            return None
        loader, parent = self.quote(self.loader), self.quote(self.table)
        self._run(
            f"CREATE TABLE {loader} (LIKE {parent} INCLUDING DEFAULTS)"
            f" PARTITION BY RANGE ({self.quote(self.column or '')})"
        )
        for day in fresh:
            self._run(
                f"CREATE TABLE {self.quote(partition_name(self.table, day))}"
                f" PARTITION OF {loader} {self._bounds(day)} {PARTITION_STORAGE}"
            )
        return FreshDays(self.loader, self.column or "", _ranges(fresh))

    def attach(self, fresh: FreshDays) -> None:
        """Move the filled partitions from the loader to the table, indexed."""
        self._run(f"SET LOCAL maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'")
        loader, parent = self.quote(self.loader), self.quote(self.table)
        for start, end in fresh.ranges:
            day = start
            while day < end:
                name = self.quote(partition_name(self.table, day))
                self._run(f"ALTER TABLE {loader} DETACH PARTITION {name}")
                self._run(
                    f"ALTER TABLE {parent} ATTACH PARTITION {name} {self._bounds(day)}"
                )
                day += DAY
        self._run(f"DROP TABLE {loader}")

    def _bounds(self, day: datetime) -> str:
        return f"FOR VALUES FROM ('{day.isoformat()}') TO ('{(day + DAY).isoformat()}')"

    def _run(self, sql: str) -> None:
        self.connection.exec_driver_sql(sql)


def _ranges(days: list[datetime]) -> tuple[tuple[datetime, datetime], ...]:
    """Sorted days as the fewest [start, end) intervals."""
    ranges: list[tuple[datetime, datetime]] = []
    for day in days:
        if ranges and ranges[-1][1] == day:
            ranges[-1] = (ranges[-1][0], day + DAY)
        else:
            ranges.append((day, day + DAY))
    return tuple(ranges)
