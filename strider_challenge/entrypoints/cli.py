"""`scli`: parse the arguments, call a service, print the result."""

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from enum import Enum
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from strider_challenge import __version__
from strider_challenge.adapters.arrow_rows import use_system_allocator
from strider_challenge.adapters.collectors import COLLECTORS, FIELD_LIMIT
from strider_challenge.adapters.database import (
    DEFAULT_DATABASE_URL,
    MissingDatabaseError,
    create_database_engine,
    create_missing_database,
)
from strider_challenge.adapters.schema import head_revision
from strider_challenge.adapters.timeouts import DEFAULT_CONNECT, DEFAULT_READ, Timeouts
from strider_challenge.domain.datasets import DATASETS, LOAD_MODES, get_dataset
from strider_challenge.domain.deletions import DEFAULT_MAX_DELETES
from strider_challenge.domain.ledger import STATUSES
from strider_challenge.entrypoints.common import (
    EXIT_FAILED,
    LOAD_EXIT_CODES,
    AsOf,
    ConnectTimeout,
    DatabaseUrl,
    Encoding,
    FieldLimit,
    MaxDeletes,
    MaxRejects,
    OneLineErrorGroup,
    Quiet,
    QuietLoad,
    ReadTimeout,
    choice,
    clean_errors,
    engine_with_tables,
    metavar,
    model_option,
    print_rejections,
    shown,
)
from strider_challenge.service_layer import services
from strider_challenge.service_layer.unit_of_work import SqlAlchemyUnitOfWork

app = typer.Typer(
    cls=OneLineErrorGroup,
    help="Load the company's internal and vendor dumps into a database.",
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"scli {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version."
        ),
    ] = False,
) -> None:
    """Load the company's internal and vendor dumps into a database.

    The database is SQLite in ./database.db unless DATABASE_URL or --database-url
    names another (PostgreSQL: postgresql://user:password@host:port/name).
    """
    use_system_allocator()


@app.command("init-db")
def init_db(
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Only say whether the schema is up to date (exit code 1 if not).",
        ),
    ] = False,
    database_url: DatabaseUrl = DEFAULT_DATABASE_URL,
    quiet: Quiet = False,
) -> None:
    """Create every table, or upgrade an existing database in place.

    The schema is versioned (Alembic migrations): a new database gets every
    table, an older one is upgraded with its data kept. Running it again on an
    up-to-date database changes nothing. A PostgreSQL database that does not
    exist is created first when the role may (CREATEDB); --check creates nothing.
    """
    with clean_errors():
        if check:
            current, head = _schema_status(database_url)
        else:
            created = create_missing_database(database_url)
            if created and not quiet:
                typer.echo(f"database created: {shown(database_url)}")
            engine = create_database_engine(database_url)
            services.init_db(uow=SqlAlchemyUnitOfWork(engine))
    if not check:
        if not quiet:
            typer.echo(
                f"database ready: {shown(database_url)} (schema {head_revision()})"
            )
        return
    if current == head:
        typer.echo(f"up to date: schema {head}")
        return
    state = "no tables yet" if current is None else f"schema {current}"
    typer.echo(f"out of date: {state}, newest is {head}; run scli init-db")
    raise typer.Exit(EXIT_FAILED)


def _schema_status(database_url: str) -> tuple[str | None, str]:
    """The schema's revision and the newest; a missing SQLite file has no tables."""
    try:
        engine = create_database_engine(database_url, create=False)
    except MissingDatabaseError:
        return None, head_revision()
    return services.schema_status(uow=SqlAlchemyUnitOfWork(engine, writes=False))


@app.command(epilog=LOAD_EXIT_CODES)
def load(
    model: Annotated[
        str,
        model_option("Which table the file fills."),
    ],
    config: Annotated[
        str,
        typer.Option(
            "--file",
            "--config",
            "-f",
            metavar="LOCATION",
            help="The file to load: a path, - for standard input, or a file://, "
            "ftp://user@host/..., http(s):// or s3://bucket/... URL; .gz is "
            "decompressed. --config is its earlier name.",
        ),
    ],
    collector: Annotated[
        str | None,
        typer.Option(
            "--collector",
            "-c",
            parser=choice(COLLECTORS),
            metavar=metavar(COLLECTORS),
            help="How to read the file: csv (with a header line), json (an array) "
            "or jsonl (an object per line). Default: by the name's extension (.csv, "
            ".json, .jsonl or .ndjson, each optionally .gz).",
        ),
    ] = None,
    mode: Annotated[
        str | None,
        typer.Option(
            "--mode",
            parser=choice(LOAD_MODES),
            metavar=metavar(LOAD_MODES),
            help="full: the file is the model's whole dataset, records it lacks are "
            "marked deleted; incremental: only add and update. Default: "
            + ", ".join(f"{d.name} {d.default_mode}" for d in DATASETS.values())
            + ".",
        ),
    ] = None,
    encoding: Encoding = "utf-8",
    as_of: AsOf = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Load even if these exact bytes were already loaded; load a dump "
            "older than the newest one as a correction at the newest one's time; "
            "load an empty full dump (every record is marked deleted), or one "
            "that marks more than --max-deletes percent deleted.",
        ),
    ] = False,
    max_rejects: MaxRejects = None,
    max_deletes: MaxDeletes = DEFAULT_MAX_DELETES,
    field_limit: FieldLimit = FIELD_LIMIT,
    connect_timeout: ConnectTimeout = DEFAULT_CONNECT,
    read_timeout: ReadTimeout = DEFAULT_READ,
    database_url: DatabaseUrl = DEFAULT_DATABASE_URL,
    quiet: QuietLoad = False,
) -> None:
    """Load one file into its table: new keys are inserted, changed rows updated.

    The load is one transaction: on any error the database is left as it was.
    Records that fail validation are not loaded: they are stored in the
    rejected_record table and the first few are printed with their line number
    (CSV) or array index (JSON). Each load is recorded in the load_run table with
    its counts and the SHA-256 of the file; a file already loaded for this model
    is skipped unless --force. A failed or skipped load leaves a load_run row too.
    """
    dataset = get_dataset(model)
    limits = Timeouts(connect=connect_timeout, read=read_timeout)
    source = dump.source_for(
        config, collector, encoding=encoding, field_limit=field_limit, timeouts=limits
    )
    live = not quiet and sys.stdout.isatty()
    with clean_errors():
        engine = engine_with_tables(database_url, limits)
    with clean_errors(), _progress(dataset.name, enabled=live) as on_progress:
        report = services.load(
            dataset=dataset,
            collector=source,
            uow=SqlAlchemyUnitOfWork(engine),
            mode=mode,
            as_of=as_of,
            force=force,
            max_rejects=max_rejects,
            max_deletes=max_deletes,
            on_progress=on_progress,
            on_wait=None if quiet else _waiting(dataset.name),
        )
    if report.skipped_as is not None:
        if not quiet:
            typer.echo(
                f"{report.model}: skipped, {report.source} was already loaded by "
                f"load #{report.skipped_as} (sha256 {report.sha256}); --force loads "
                "it again"
            )
        return
    if quiet:
        return
    typer.echo(_summary(report))
    if report.rejected:
        print_rejections(report, source.position_unit)


def _waiting(model: str) -> Callable[[str], None]:
    """Tell stderr that this load waits for another load of the same model."""
    return lambda message: typer.echo(f"{model}: {message}", err=True)


@contextmanager
def _progress(
    label: str, *, enabled: bool, console: Console | None = None
) -> Iterator[Callable[[int], None] | None]:
    """A live row counter with rows/s, or None when disabled."""
    if not enabled:
        yield None
        return
    with Progress(
        SpinnerColumn(),
        TextColumn(f"loading {label}"),
        TextColumn("{task.completed:,.0f} rows"),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        transient=True,
        console=console,
    ) as bar:
        task = bar.add_task(label, total=None, rate="")

        def update(rows: int) -> None:
            elapsed = bar.tasks[task].elapsed or 0.0
            rate = f"{rows / elapsed:,.0f} rows/s" if elapsed else ""
            bar.update(task, completed=rows, rate=rate)

        yield update


def _summary(report: services.LoadReport) -> str:
    counts = report.counts
    return (
        f"{report.model}: load #{report.run_id}: "
        f"read {report.rows_read:,}, inserted {counts.inserted:,}, "
        f"updated {counts.updated:,}, unchanged {counts.unchanged:,}, "
        f"rejected {report.rejected:,}, duplicates {counts.duplicates:,}, "
        f"deleted {counts.deleted:,}, undeleted {counts.undeleted:,} "
        f"in {report.seconds:.1f} s ({report.rows_per_second:,.0f} rows/s)"
    )


class RunsFormat(str, Enum):
    """How `scli runs` prints the ledger."""

    table = "table"
    json = "json"


@app.command()
def runs(
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, help="How many loads to show.")
    ] = 20,
    model: Annotated[
        str | None,
        model_option("Only the loads of this model."),
    ] = None,
    status: Annotated[
        str | None,
        typer.Option(
            "--status",
            parser=choice(STATUSES),
            metavar=metavar(STATUSES),
            help="Only the loads that ended so.",
        ),
    ] = None,
    output: Annotated[
        RunsFormat, typer.Option("--format", help="table or json.")
    ] = RunsFormat.table,
    database_url: DatabaseUrl = DEFAULT_DATABASE_URL,
) -> None:
    """List the latest load attempts from the load_run ledger, newest first.

    Every attempt is there: succeeded, skipped (these bytes were already loaded)
    and failed (rolled back; error says why). A load killed outright (SIGKILL)
    cannot write its row.
    """
    with clean_errors():
        engine = engine_with_tables(database_url)
        found = services.recent_runs(
            uow=SqlAlchemyUnitOfWork(engine, writes=False),
            limit=limit,
            model=model,
            status=status,
        )
    if output is RunsFormat.json:
        typer.echo(json.dumps([run.model_dump(mode="json") for run in found], indent=2))
        return
    if not found:
        typer.echo("no loads recorded yet")
        return
    table = Table(box=None)
    for column in RUN_COLUMNS:
        table.add_column(column, justify="right" if column in RUN_COUNTS else "left")
    for run in found:
        row = run.model_dump()
        table.add_row(*(_cell(row[column]) for column in RUN_COLUMNS))
    Console(width=200).print(table)


RUN_COUNTS = (
    "rows_read",
    "inserted",
    "updated",
    "unchanged",
    "rejected",
    "duplicates",
    "deleted",
    "undeleted",
)
RUN_COLUMNS = (
    "id",
    "model",
    "status",
    "mode",
    "as_of",
    "started_at",
    *RUN_COUNTS,
    "source",
    "error",
)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


# Registered last: the answers' commands live in their own module.
from strider_challenge.entrypoints import answers  # noqa: E402

app.command("report")(answers.report)
app.command("query", cls=answers.QueryCommand)(answers.query)

# Registered last: the data-quality check lives in its own module.
from strider_challenge.entrypoints import check  # noqa: E402

app.command("check")(check.check)

# Registered last: `load-dump`, and the sources `load` reads, live in their own module.
from strider_challenge.entrypoints import dump  # noqa: E402

app.command("load-dump", epilog=dump.LOAD_DUMP_EXIT_CODES)(dump.load_dump)

# Registered last: the HTTP API's command lives in its own module.
from strider_challenge.entrypoints import serve  # noqa: E402

app.command("serve", epilog=serve.SERVE_EPILOG)(serve.serve)

# `consume`, the event-driven loader, lives in its own module too.
from strider_challenge.entrypoints import consume  # noqa: E402

app.command("consume", epilog=consume.CONSUME_EXIT_CODES)(consume.consume)
