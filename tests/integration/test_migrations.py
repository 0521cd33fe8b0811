"""Schema migrations: new databases, upgrades in place with data kept, downgrades."""

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from strider_challenge.adapters import schema
from strider_challenge.adapters.collectors import COLLECTORS, collector_for
from strider_challenge.adapters.database import create_database_engine
from strider_challenge.domain.datasets import DATASETS
from strider_challenge.service_layer import services
from strider_challenge.service_layer.unit_of_work import SqlAlchemyUnitOfWork
from tests import history_dumps, records
from tests.conftest import CASE_DATA, SAMPLE_DATA
from tests.e2e.helpers import LOADS
from tests.report_data import load_dump

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


def test_the_head_read_from_file_names_is_alembics_head_of_a_numbered_chain() -> None:
    """Each revision is numbered after the one it revises: the names give the head."""
    from alembic.script import ScriptDirectory

    config = schema._config(None)  # type: ignore[arg-type]
    scripts = ScriptDirectory.from_config(config)
    assert scripts.get_current_head() == schema.head_revision()
    for script in scripts.walk_revisions():
        previous = script.down_revision
        expected = (
            None if script.revision == "0001" else f"{int(script.revision) - 1:04d}"
        )
        assert previous == expected, script.path


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
        assert scalar(engine, f"SELECT count(*) FROM {model}_versions") == count
        assert scalar(engine, f"SELECT count(*) FROM {model}_history") == 0
        assert scalar(engine, f"SELECT count(deleted_at) FROM {table}") == 0
        assert (
            scalar(
                engine, f"SELECT count(*) FROM {table} WHERE valid_from = first_seen_at"
            )
            == count
        )
        first, last = _instants(
            engine, f"SELECT min(first_seen_at), max(last_seen_at) FROM {table}"
        )
        if model == "book":
            assert first == last and first >= before
        else:
            assert (first, last) == (STARTS[model], STARTS[model].replace(hour=3))
        spans = _instants(
            engine, f"SELECT count(*), min(valid_from) FROM {model}_versions"
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
    postgres_url: str, tmp_path: Path
) -> None:
    from alembic import command

    engine = create_database_engine(postgres_url)
    options = (
        "SELECT relname, relkind, reloptions FROM pg_class WHERE relname IN"
        " ('movie', 'user', 'stream', 'author', 'book', 'review', 'stream_history')"
        " OR (relname LIKE 'stream_20%' AND relkind = 'r')"
    )
    try:
        load_dump(engine, tmp_path, stream=[records.stream()])
        with engine.connect() as connection:
            created = {n: (k, o) for n, k, o in connection.execute(sa.text(options))}
        with engine.begin() as connection:
            command.downgrade(schema._config(connection), "0004")
        with engine.connect() as connection:
            undone = {n: (k, o) for n, k, o in connection.execute(sa.text(options))}
    finally:
        engine.dispose()

    assert created == {
        **{t: ("r", ["fillfactor=50"]) for t in DATASETS if t != "stream"},
        # A partitioned table holds no rows: each day's partition keeps the room.
        "stream": ("p", None),
        "stream_2021_12_25": ("r", ["fillfactor=50"]),
        "stream_history": ("r", None),  # versions are closed once, not rewritten
    }
    assert {kind for kind, _ in undone.values()} == {"r"}
    assert {option for _, option in undone.values()} == {None}


FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "history_0005.json"


def fill_from_fixture(engine: Engine) -> None:
    """A database at revision 0005 holding what 0005's engine wrote (the fixture)."""
    with engine.begin() as connection:
        schema.upgrade(connection, "0005")
        quote = connection.dialect.identifier_preparer.quote
        for table, rows in json.loads(FIXTURE.read_text()).items():
            if not rows:
                continue
            names = list(rows[0])
            connection.execute(
                sa.text(
                    f"INSERT INTO {quote(table)} ({', '.join(map(quote, names))})"
                    f" VALUES ({', '.join(f':{n}' for n in names)})"
                ),
                rows,
            )
        if connection.dialect.name == "postgresql":
            connection.execute(
                sa.text(
                    "SELECT setval(pg_get_serial_sequence('load_run', 'id'),"
                    " (SELECT max(id) FROM load_run))"
                )
            )


def table_rows(engine: Engine, table: str, columns: str) -> list[tuple[Any, ...]]:
    """Rows of a table, sorted, instants in UTC and documents parsed, on either db."""
    quote = engine.dialect.identifier_preparer.quote
    with engine.connect() as connection:
        found = connection.execute(sa.text(f"SELECT {columns} FROM {quote(table)}"))
        return sorted((tuple(map(_plain, row)) for row in found), key=repr)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc)
    if isinstance(value, str) and value[:1] in "[{":
        value = json.loads(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, sort_keys=True)
    if (
        isinstance(value, str)
        and value.endswith("+00:00")
        and value[:2] in ("19", "20")
    ):
        return datetime.fromisoformat(value)
    return value


def snapshot_of(engine: Engine, with_valid_from: bool) -> dict[str, Any]:
    """Each model's current rows and every version, in the schema of the day."""
    found: dict[str, Any] = {}
    for model, dataset in DATASETS.items():
        record = ", ".join(
            engine.dialect.identifier_preparer.quote(c) for c in dataset.columns
        )
        tracking = "first_seen_at, last_seen_at, deleted_at"
        if with_valid_from:
            tracking += ", valid_from"
        found[model] = table_rows(engine, model, f"{record}, {tracking}")
        versions = f"{model}_versions" if with_valid_from else f"{model}_history"
        found[f"{model} versions"] = table_rows(
            engine, versions, f"{record}, valid_from, valid_to"
        )
        if with_valid_from:
            found[f"{model} ended"] = table_rows(
                engine, f"{model}_history", f"{record}, valid_from, valid_to"
            )
    return found


def load_nights(engine: Engine, folder: Path, nights: Any) -> None:
    for dump, as_of, forced in nights:
        for model, (name, _) in history_dumps.FILES.items():
            services.load(
                dataset=DATASETS[model],
                collector=collector_for(dump / name),
                uow=SqlAlchemyUnitOfWork(engine),
                as_of=as_of,
                force=forced,
            )


def test_a_database_loaded_at_0005_upgrades_with_no_version_lost(
    database_url: str, tmp_path: Path, postgres_server: Engine
) -> None:
    migrated = create_database_engine(database_url)
    fill_from_fixture(migrated)
    before = snapshot_of(migrated, with_valid_from=False)

    services.init_db(uow=SqlAlchemyUnitOfWork(migrated))

    after = snapshot_of(migrated, with_valid_from=True)
    for model, dataset in DATASETS.items():
        width = len(dataset.columns)
        # Every version is still there, and only ended ones stay in the history.
        assert after[f"{model} versions"] == before[f"{model} versions"]
        assert after[f"{model} ended"] == [
            v for v in before[f"{model} versions"] if v[-1] is not None
        ]
        # Each record's current values, and its version's start.
        assert [row[:-1] for row in after[model]] == before[model]
        starts = {row[:width]: row[-1] for row in after[model]}
        for version in before[f"{model} versions"]:
            if version[-1] is None:
                assert starts[version[:width]] == version[-2]
    # The new engine, loading the same four nights into a new database, agrees.
    fresh = create_database_engine(fresh_url(database_url, postgres_server, tmp_path))
    services.init_db(uow=SqlAlchemyUnitOfWork(fresh))
    load_nights(fresh, tmp_path, history_dumps.nights(tmp_path / "dumps"))
    assert snapshot_of(fresh, with_valid_from=True) == after
    # And the migrated database takes the next night like the fresh one.
    night = history_dumps.write_night(tmp_path / "night4", 0)
    next_night = [(night, history_dumps.NIGHTS[-1][0] + timedelta(days=1), False)]
    load_nights(migrated, tmp_path, next_night)
    load_nights(fresh, tmp_path, next_night)
    assert snapshot_of(migrated, True) == snapshot_of(fresh, True)
    migrated.dispose()
    fresh.dispose()
    if not database_url.startswith("sqlite"):
        name = fresh.url.database
        with postgres_server.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))


def fresh_url(database_url: str, server: Engine, tmp_path: Path) -> str:
    """A second, empty database of the same kind."""
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'fresh.db'}"
    name = sa.engine.make_url(database_url).database
    with server.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}_fresh"'))
    return str(sa.engine.make_url(database_url).set(database=f"{name}_fresh"))


def test_0008_adds_the_error_of_a_failed_load_and_keeps_the_ledger(
    engine: Engine,
) -> None:
    from alembic import command

    row = (
        "INSERT INTO load_run (model, source, started_at, status, mode, rows_read,"
        " inserted, updated, unchanged, rejected, duplicates, deleted, undeleted)"
        " VALUES ('movie', 'm.csv', '2021-12-01 02:00:00.000000+00:00', 'succeeded',"
        " 'full', 1, 1, 0, 0, 0, 0, 0, 0)"
    )
    with engine.begin() as connection:
        schema.upgrade(connection, "0007")
        connection.execute(sa.text(row))
        schema.upgrade(connection, "0008")
        assert connection.execute(
            sa.text("SELECT model, error FROM load_run")
        ).all() == [("movie", None)]
        connection.execute(sa.text("UPDATE load_run SET error = 'x'"))
        command.downgrade(schema._config(connection), "0007")
        columns = {c["name"] for c in sa.inspect(connection).get_columns("load_run")}
        assert "error" not in columns and "as_of" in columns
        assert connection.execute(sa.text("SELECT model FROM load_run")).all() == [
            ("movie",)
        ]
