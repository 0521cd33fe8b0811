"""`scli`: parse the arguments, call a service, print the result."""

import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from typer.core import TyperGroup

from strider_challenge import __version__
from strider_challenge.adapters.collectors import COLLECTORS
from strider_challenge.adapters.database import (
    DEFAULT_DATABASE_URL,
    create_database_engine,
)
from strider_challenge.domain.datasets import DATASETS, get_dataset
from strider_challenge.domain.errors import LoadError
from strider_challenge.service_layer import services
from strider_challenge.service_layer.unit_of_work import SqlAlchemyUnitOfWork

#: Exit codes, as documented in `scli load --help` and the README.
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class OneLineErrorGroup(TyperGroup):
    """Report usage errors as one line on stderr instead of a usage box."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the command; a usage error exits with code 2 after one clear line."""
        if not (sys.argv[1:] if args is None else args):
            args = ["--help"]
        try:
            code = super().main(
                args, prog_name, complete_var, standalone_mode=False, **extra
            )
        except typer.TyperException as error:
            typer.echo(f"scli: error: {error.format_message()}", err=True)
            code = error.exit_code
        if not standalone_mode:
            return code
        sys.exit(code or EXIT_OK)


app = typer.Typer(
    cls=OneLineErrorGroup,
    help="Load the company's internal and vendor dumps into a database.",
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

DatabaseUrl = Annotated[
    str,
    typer.Option(
        "--database-url",
        envvar="DATABASE_URL",
        help="SQLAlchemy URL of the database: sqlite:///FILE or postgresql://...",
    ),
]
Quiet = Annotated[
    bool, typer.Option("--quiet", "-q", help="Print nothing but errors (for scripts).")
]


def _choice(choices: Iterable[str]) -> Callable[[str], str]:
    """A parser that accepts one of `choices` and names them all when it refuses."""
    known = list(choices)

    def parse(value: str) -> str:
        if value not in known:
            raise typer.BadParameter(f"{value!r} is not one of {', '.join(known)}")
        return value

    return parse


def _metavar(choices: Iterable[str]) -> str:
    return "[" + "|".join(choices) + "]"


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


def _fail(message: str) -> typer.Exit:
    typer.echo(f"scli: error: {message}", err=True)
    return typer.Exit(EXIT_FAILED)


@contextmanager
def _clean_errors() -> Iterator[None]:
    """Turn the errors a user can cause into one line and exit code 1."""
    try:
        yield
    except LoadError as error:
        raise _fail(str(error)) from None
    except SQLAlchemyError as error:
        detail = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise _fail(f"database: {detail}") from None


def _shown(url: str) -> str:
    """The URL without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)


@app.command("init-db")
def init_db(
    database_url: DatabaseUrl = DEFAULT_DATABASE_URL, quiet: Quiet = False
) -> None:
    """Create every table. Running it again on a ready database changes nothing."""
    with _clean_errors():
        engine = create_database_engine(database_url)
        services.init_db(uow=SqlAlchemyUnitOfWork(engine))
    if not quiet:
        typer.echo(f"database ready: {_shown(database_url)}")


@app.command(
    epilog="Exit codes: 0 loaded (rejected records, if any, are reported); "
    "1 nothing loaded (unreadable source, wrong shape, database error); "
    "2 usage error."
)
def load(
    model: Annotated[
        str,
        typer.Option(
            "--model",
            "-m",
            parser=_choice(DATASETS),
            metavar=_metavar(DATASETS),
            help="Which table the file fills.",
        ),
    ],
    collector: Annotated[
        str,
        typer.Option(
            "--collector",
            "-c",
            parser=_choice(COLLECTORS),
            metavar=_metavar(COLLECTORS),
            help="How to read the file: csv (with a header line) or json (an array).",
        ),
    ],
    config: Annotated[
        Path, typer.Option("--config", "-f", help="Path of the file to load.")
    ],
    database_url: DatabaseUrl = DEFAULT_DATABASE_URL,
    quiet: Quiet = False,
) -> None:
    """Load one file into its table: new keys are inserted, changed rows updated.

    Records that fail validation are not loaded; they are counted and the first
    few are printed with their line number (CSV) or array index (JSON). The load is
    one transaction: on any error the database is left as it was.
    """
    dataset = get_dataset(model)
    source = COLLECTORS[collector](config)
    live = not quiet and sys.stdout.isatty()
    with _clean_errors(), _progress(dataset.name, enabled=live) as on_progress:
        engine = create_database_engine(database_url)
        report = services.load(
            dataset=dataset,
            collector=source,
            uow=SqlAlchemyUnitOfWork(engine),
            on_progress=on_progress,
        )
    if not quiet:
        typer.echo(_summary(report))
    if report.rejected:
        _print_rejections(report)


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
        f"{report.model}: read {report.rows_read:,}, inserted {counts.inserted:,}, "
        f"updated {counts.updated:,}, unchanged {counts.unchanged:,}, "
        f"rejected {report.rejected:,}, duplicates {counts.duplicates:,} "
        f"in {report.seconds:.1f} s ({report.rows_per_second:,.0f} rows/s)"
    )


def _print_rejections(report: services.LoadReport) -> None:
    unit = "line" if report.source.lower().endswith(".csv") else "index"
    typer.echo(
        f"{report.model}: {report.rejected:,} record(s) rejected, not loaded:", err=True
    )
    for sample in report.samples:
        typer.echo(f"  {unit} {sample.position}: {sample.error}", err=True)
