"""Reads and writes of the load ledger, inside the unit of work's transaction."""

from collections.abc import Iterable
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select, update

from strider_challenge.adapters.redaction import redact
from strider_challenge.domain.ledger import LoadRun, RejectedRecord
from strider_challenge.domain.results import Rejection

RUNS: Table = LoadRun.__table__  # type: ignore[attr-defined]
REJECTED: Table = RejectedRecord.__table__  # type: ignore[attr-defined]

#: Rejections written per statement.
REJECTIONS_PER_INSERT = 10_000


class LedgerRepository:
    """The `load_run` table, through the transaction's connection."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def start(self, *, model: str, source: str, started_at: datetime) -> int:
        """Open a ledger row for a load; it commits or rolls back with the load."""
        statement = (
            insert(RUNS)
            .values(model=model, source=source, started_at=started_at, status="running")
            .returning(RUNS.c.id)
        )
        return int(self.connection.execute(statement).scalar_one())

    def finish(self, run: LoadRun) -> None:
        """Record what a load did."""
        values = run.model_dump(exclude={"id", "model", "source", "started_at"})
        self.connection.execute(update(RUNS).where(RUNS.c.id == run.id).values(values))

    def record(self, run: LoadRun) -> int:
        """Write a whole ledger row: an attempt that skipped or failed.

        Its error is stored as it was printed: with any secret in it redacted.
        """
        values = run.model_dump(exclude={"id"})
        if run.error is not None:
            values["error"] = redact(run.error)
        statement = insert(RUNS).values(values).returning(RUNS.c.id)
        return int(self.connection.execute(statement).scalar_one())

    def store_rejections(self, load_id: int, rejections: Iterable[Rejection]) -> int:
        """Keep every refused record of a load whole; return how many there were."""
        stored = 0
        iterator = iter(rejections)
        while chunk := list(islice(iterator, REJECTIONS_PER_INSERT)):
            self.connection.execute(
                insert(REJECTED),
                [
                    {
                        "load_id": load_id,
                        "position": r.position,
                        "raw": r.raw,
                        "error": r.error,
                    }
                    for r in chunk
                ],
            )
            stored += len(chunk)
        return stored

    def succeeded_with(self, *, model: str, sha256: str) -> LoadRun | None:
        """The latest successful load of these exact bytes for this model, if any."""
        found = self._select(
            RUNS.c.model == model,
            RUNS.c.sha256 == sha256,
            RUNS.c.status == "succeeded",
            limit=1,
        )
        return found[0] if found else None

    def latest_as_of(self, *, model: str) -> datetime | None:
        """The effective time of the newest dump loaded successfully for a model."""
        statement = select(func.max(RUNS.c.as_of)).where(
            RUNS.c.model == model, RUNS.c.status == "succeeded"
        )
        latest: datetime | None = self.connection.execute(statement).scalar_one()
        return latest

    def recent(
        self, *, limit: int, model: str | None = None, status: str | None = None
    ) -> list[LoadRun]:
        """The latest loads (of `model`, with `status`, when given), newest first."""
        conditions = [] if model is None else [RUNS.c.model == model]
        if status is not None:
            conditions.append(RUNS.c.status == status)
        return self._select(*conditions, limit=limit)

    def get(self, load_id: int) -> LoadRun | None:
        """One load, by its id."""
        found = self._select(RUNS.c.id == load_id, limit=1)
        return found[0] if found else None

    def rejections(self, load_id: int, *, limit: int, offset: int) -> list[Rejection]:
        """A load's refused records in source order, `offset` of them skipped."""
        statement = (
            select(REJECTED.c.position, REJECTED.c.raw, REJECTED.c.error)
            .where(REJECTED.c.load_id == load_id)
            .order_by(REJECTED.c.position, REJECTED.c.id)
            .limit(limit)
            .offset(offset)
        )
        rows = self.connection.execute(statement).all()
        return [Rejection(position=p, raw=raw, error=e) for p, raw, e in rows]

    def _select(self, *conditions: Any, limit: int) -> list[LoadRun]:
        statement = select(RUNS).where(*conditions).order_by(RUNS.c.id.desc())
        rows = self.connection.execute(statement.limit(limit)).mappings().all()
        return [LoadRun.model_validate(dict(row)) for row in rows]
