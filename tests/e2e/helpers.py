"""Running `scli` in-process and reading back what it wrote."""

from typing import Any

from sqlalchemy import create_engine, inspect, text
from typer.testing import CliRunner, Result

from strider_challenge.adapters.database import normalise_url
from strider_challenge.entrypoints.cli import app

#: The six documented loads: model, collector, file inside a dump folder.
LOADS = [
    ("movie", "csv", "internal/movies.csv"),
    ("user", "csv", "internal/users.csv"),
    ("stream", "csv", "internal/streams.csv"),
    ("author", "json", "vendor/authors.json"),
    ("book", "json", "vendor/books.json"),
    ("review", "json", "vendor/reviews.json"),
]


def scli(database_url: str, *args: str) -> Result:
    """Run `scli ARGS` with DATABASE_URL set, as a user would."""
    return CliRunner().invoke(app, list(args), env={"DATABASE_URL": database_url})


#: The tables the loads fill, histories included (the ledger tables aside).
DATA_TABLES = frozenset(
    name for model, _, _ in LOADS for name in (model, f"{model}_history")
)

#: One effective time for tests that replay a dump.
AS_OF = "2021-12-31T02:00:00+01:00"


def snapshot(
    database_url: str, tables: frozenset[str] | None = None
) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (or of `tables`), sorted: equal means unchanged."""
    engine = create_engine(normalise_url(database_url))
    try:
        quote = engine.dialect.identifier_preparer.quote
        with engine.connect() as connection:
            return {
                table: sorted(
                    tuple(row)
                    for row in connection.execute(text(f"SELECT * FROM {quote(table)}"))
                )
                for table in inspect(connection).get_table_names()
                if tables is None or table in tables
            }
    finally:
        engine.dispose()


def count_rows(database_url: str, table: str) -> int:
    """How many rows a table or view holds."""
    engine = create_engine(normalise_url(database_url))
    try:
        quote = engine.dialect.identifier_preparer.quote
        with engine.connect() as connection:
            return int(
                connection.execute(text(f"SELECT count(*) FROM {quote(table)}")).one()[
                    0
                ]
            )
    finally:
        engine.dispose()


def failed_attempts(database_url: str) -> list[str]:
    """The errors of the ledger's failed rows, oldest first."""
    engine = create_engine(normalise_url(database_url))
    try:
        with engine.connect() as connection:
            found = connection.execute(
                text("SELECT error FROM load_run WHERE status = 'failed' ORDER BY id")
            )
            return [str(error) for (error,) in found]
    finally:
        engine.dispose()
