"""The indexes the report's joins and windows use exist, and serve those queries."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from strider_challenge.adapters import schema
from strider_challenge.adapters.queries import REPORT_SQL
from strider_challenge.domain.answers import ReportParameters
from strider_challenge.domain.columns import sqlite_instant
from strider_challenge.service_layer import services
from strider_challenge.service_layer.unit_of_work import SqlAlchemyUnitOfWork
from tests import records
from tests.report_data import load_dump

INDEXES = {
    "ix_movie_title_key": "movie",
    "ix_stream_title_key": "stream",
    "ix_author_name_key": "author",
    "ix_book_title_key": "book",
    "ix_book_author_key": "book",
    "ix_review_movie_key": "review",
    "ix_review_book_key": "review",
}
DEFINITION = {
    "sqlite": (
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name LIKE 'ix_%'"
    ),
    "postgresql": (
        "SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE 'ix_%'"
    ),
}


def index_definitions(engine: Engine) -> dict[str, str]:
    with engine.connect() as connection:
        rows = connection.execute(text(DEFINITION[engine.dialect.name]))
        return {name: sql for name, sql in rows if name in INDEXES}


def test_init_db_creates_the_title_key_indexes(engine: Engine) -> None:
    services.init_db(uow=SqlAlchemyUnitOfWork(engine))

    definitions = index_definitions(engine)

    assert set(definitions) == set(INDEXES)
    stream_index = definitions["ix_stream_title_key"]
    if engine.dialect.name == "postgresql":
        assert 'lower(TRIM(BOTH FROM (movie_title COLLATE "C")))' in stream_index
    else:
        assert "lower(trim(movie_title)), start_at" in stream_index


def migrate(engine: Engine, direction: str, revision: str) -> None:
    """Run the migrations up or down to `revision`, as `scli init-db` runs them."""
    with engine.begin() as connection:
        config = Config()
        config.set_main_option("script_location", str(schema.MIGRATIONS))
        config.attributes["connection"] = connection
        getattr(command, direction)(config, revision)


def test_the_migration_adds_and_removes_the_indexes(engine: Engine) -> None:
    services.init_db(uow=SqlAlchemyUnitOfWork(engine))

    migrate(engine, "downgrade", "0003")
    assert index_definitions(engine) == {}

    with engine.begin() as connection:  # one index made by hand meanwhile
        connection.execute(text("CREATE INDEX ix_movie_title_key ON movie (title)"))
    migrate(engine, "upgrade", "head")
    assert set(index_definitions(engine)) == set(INDEXES)


def explain(engine: Engine, name: str) -> str:
    """The plan of one of the report's statements."""
    parameters = ReportParameters.parse()
    outage = parameters.outage_window()
    sqlite = engine.dialect.name == "sqlite"
    binds: dict[str, object] = {
        "movie": "Unforgiven",
        "outage_start": sqlite_instant(outage.start) if sqlite else outage.start,
        "outage_end": sqlite_instant(outage.end) if sqlite else outage.end,
    }
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # The tables are tiny: make the planner show whether it *can* use the index.
            for method in ("seqscan", "hashjoin", "mergejoin"):
                connection.execute(text(f"SET LOCAL enable_{method} = off"))
        rows = connection.execute(
            text(prefix + REPORT_SQL[engine.dialect.name][name]), binds
        )
        return "\n".join(str(row[-1]) for row in rows)


def test_the_outage_query_uses_the_title_key_index_of_streams(
    engine: Engine, tmp_path: Path
) -> None:
    # Streams of other movies too, at the same times: only the title key narrows.
    others = [records.stream(movie_title=f"Other {n}") for n in range(200)]
    load_dump(
        engine, tmp_path, movie=[records.movie()], stream=[records.stream(), *others]
    )
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))

    plan = explain(engine, "outage")
    assert any(
        name in plan for name in index_and_partitions(engine, "ix_stream_title_key")
    )


def index_and_partitions(engine: Engine, index: str) -> list[str]:
    """An index's name, and on PostgreSQL those of its partitions' indexes."""
    if engine.dialect.name == "sqlite":
        return [index]
    with engine.connect() as connection:
        children = connection.execute(
            text(
                "SELECT inhrelid::regclass::text FROM pg_inherits"
                " WHERE inhparent = CAST(:index AS regclass)"
            ),
            {"index": index},
        ).scalars()
        return [index, *children]
