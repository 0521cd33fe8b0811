"""Schema migrations: new databases, upgrades in place with data kept, downgrades."""

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from strider_challenge.adapters import schema
from strider_challenge.adapters.collectors import COLLECTORS
from strider_challenge.adapters.database import create_database_engine
from strider_challenge.domain.datasets import DATASETS
from strider_challenge.service_layer import services
from strider_challenge.service_layer.unit_of_work import SqlAlchemyUnitOfWork
from tests.conftest import CASE_DATA, SAMPLE_DATA
from tests.e2e.helpers import LOADS

STARTS = {
    model: datetime(2021, 12, 1 + index, 2, tzinfo=timezone.utc)
    for index, model in enumerate(DATASETS)
}


@pytest.fixture
def dump() -> Path:
    """The company's real dump when it is beside the checkout, else the sample."""
    return CASE_DATA if CASE_DATA.is_dir() else SAMPLE_DATA


def rows_of(dump: Path) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    for model, collector, file in LOADS:
        dataset = DATASETS[model]
        rows = []
        for record in COLLECTORS[collector](dump / file).records():
            try:
                rows.append(dataset.to_row(record.fields))
            except ValueError:
                continue  # the nameless author
        yield model, rows


def fill_at_0002(engine: Engine, dump: Path) -> dict[str, int]:
    """Build a database at revision 0002 and load the dump as that code did."""
    counts = {}
    with engine.begin() as connection:
        schema.upgrade(connection, "0002")
        for model, rows in rows_of(dump):
            table_columns = DATASETS[model].table.__table__.columns  # type: ignore
            table = sa.table(
                model,
                *(sa.column(c, table_columns[c].type) for c in DATASETS[model].columns),
            )
            connection.execute(sa.insert(table), rows)
            counts[model] = len(rows)
        runs = sa.table(
            "load_run",
            *(sa.column(c) for c in ("model", "source", "status")),
            sa.column("started_at", DATASETS["movie"].history.c.valid_from.type),
            *(sa.column(c) for c in ("rows_read", "inserted", "updated")),
            *(sa.column(c) for c in ("unchanged", "rejected", "duplicates")),
        )
        for model, started in STARTS.items():
            if model == "book":
                continue  # a model never loaded through the ledger
            for offset, status in ((0, "succeeded"), (1, "succeeded"), (2, "failed")):
                connection.execute(
                    sa.insert(runs).values(
                        model=model,
                        source="x",
                        status=status,
                        started_at=started.replace(hour=2 + offset),
                        rows_read=0,
                        inserted=0,
                        updated=0,
                        unchanged=0,
                        rejected=0,
                        duplicates=0,
                    )
                )
    return counts


def scalar(engine: Engine, sql: str) -> Any:
    with engine.connect() as connection:
        return connection.execute(sa.text(sql)).scalar_one()


def test_a_new_database_is_created_at_the_newest_revision(engine: Engine) -> None:
    assert services.schema_status(uow=SqlAlchemyUnitOfWork(engine)) == (
        None,
        schema.head_revision(),
    )

    services.init_db(uow=SqlAlchemyUnitOfWork(engine))

    current, head = services.schema_status(uow=SqlAlchemyUnitOfWork(engine))
    assert current == head
    assert {"movie_history", "load_run", "rejected_record"} <= set(
        sa.inspect(engine).get_table_names()
    )


@pytest.mark.parametrize("versioned", [True, False], ids=["versioned", "pre-alembic"])
def test_upgrading_in_place_keeps_every_row_and_fills_the_new_columns(
    engine: Engine, dump: Path, versioned: bool
) -> None:
    counts = fill_at_0002(engine, dump)
    if not versioned:
        with engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE alembic_version"))
    before = datetime.now(timezone.utc)

    services.init_db(uow=SqlAlchemyUnitOfWork(engine))

    quote = engine.dialect.identifier_preparer.quote
    for model, count in counts.items():
        table = quote(model)
        assert scalar(engine, f"SELECT count(*) FROM {table}") == count
        assert scalar(engine, f"SELECT count(*) FROM {model}_history") == count
        assert scalar(engine, f"SELECT count(deleted_at) FROM {table}") == 0
        assert scalar(engine, f"SELECT count(valid_to) FROM {model}_history") == 0
        first, last = _instants(
            engine, f"SELECT min(first_seen_at), max(last_seen_at) FROM {table}"
        )
        if model == "book":
            assert first == last and first >= before
        else:
            assert (first, last) == (STARTS[model], STARTS[model].replace(hour=3))
        spans = _instants(
            engine, f"SELECT count(*), min(valid_from) FROM {model}_history"
        )
        assert spans[1] == first
    assert scalar(engine, "SELECT count(*) FROM load_run WHERE as_of IS NULL") == 0
    assert scalar(engine, "SELECT min(mode) FROM load_run") == "incremental"


def _instants(engine: Engine, sql: str) -> tuple[Any, ...]:
    with engine.connect() as connection:
        row = connection.execute(sa.text(sql)).one()
    return tuple(
        (
            datetime.fromisoformat(v).astimezone(timezone.utc)
            if isinstance(v, str)
            else v.astimezone(timezone.utc) if isinstance(v, datetime) else v
        )
        for v in row
    )


def test_every_migration_can_be_undone_and_redone(engine: Engine) -> None:
    from alembic import command

    with engine.begin() as connection:
        schema.upgrade(connection)
        command.downgrade(schema._config(connection), "base")
        assert set(sa.inspect(connection).get_table_names()) == {"alembic_version"}
        schema.upgrade(connection)

    current, head = services.schema_status(uow=SqlAlchemyUnitOfWork(engine))
    assert current == head == schema.head_revision()


@pytest.mark.postgres
def test_postgresql_keeps_room_on_each_page_of_the_current_tables(
    postgres_url: str,
) -> None:
    from alembic import command

    engine = create_database_engine(postgres_url)
    options = (
        "SELECT relname, reloptions FROM pg_class WHERE relkind = 'r' AND relname IN"
        " ('movie', 'user', 'stream', 'author', 'book', 'review', 'stream_history')"
    )
    try:
        services.init_db(uow=SqlAlchemyUnitOfWork(engine))
        with engine.connect() as connection:
            created: dict[str, Any] = dict(connection.execute(sa.text(options)).all())
        with engine.begin() as connection:
            command.downgrade(schema._config(connection), "0004")
        with engine.connect() as connection:
            undone: dict[str, Any] = dict(connection.execute(sa.text(options)).all())
    finally:
        engine.dispose()

    assert created == {
        **{t: ["fillfactor=50"] for t in DATASETS},
        "stream_history": None,  # versions are closed once, not rewritten
    }
    assert set(undone.values()) == {None}
