"""What every command shares: options, exit codes, and errors as one clear line."""

import codecs
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any

import typer
from sqlalchemy import Engine
from typer.core import TyperGroup

from strider_challenge.adapters.collectors import FIELD_LIMIT
from strider_challenge.adapters.database import create_database_engine
from strider_challenge.adapters.redaction import redact
from strider_challenge.adapters.timeouts import (
    CONNECT_TIMEOUT_ENV,
    MIN_PROGRESS,
    READ_TIMEOUT_ENV,
    Timeouts,
)
from strider_challenge.domain.datasets import DATASETS
from strider_challenge.domain.errors import LoadError, TooManyRejectsError
from strider_challenge.service_layer import readiness
from strider_challenge.service_layer.services import LoadReport
from strider_challenge.service_layer.unit_of_work import SqlAlchemyUnitOfWork

#: Exit codes, as documented in `scli load --help` and the README.
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_TOO_MANY_REJECTS = 0, 1, 2, 3
#: The shell's code for a command ended by SIGINT (Ctrl-C): 128 + 2.
EXIT_INTERRUPTED = 130

#: The exit codes `scli load` documents, for its --help and the README.
LOAD_EXIT_CODES = (
    "Exit codes: 0 loaded, or skipped as already loaded (rejected records, if any, "
    "are stored and reported); 1 nothing loaded (unreadable source, wrong shape, "
    "database error); 2 usage error; 3 more rejected records than --max-rejects "
    "allows (nothing loaded). A failed or skipped load is recorded in load_run too "
    "(status failed or skipped)."
)


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
            typer.echo(f"scli: error: {redact(error.format_message())}", err=True)
            code = error.exit_code
        if not standalone_mode:
            return code
        sys.exit(code or EXIT_OK)

    def invoke(self, ctx: Any) -> Any:
        """Run the command; Ctrl-C is one line and exit code 130, not a traceback.

        The unit of work has rolled back by the time the interrupt gets here.
        """
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            typer.echo(
                "scli: interrupted: the load in progress was rolled back", err=True
            )
            raise typer.Exit(EXIT_INTERRUPTED) from None


DatabaseUrl = Annotated[
    str,
    typer.Option(
        "--database-url",
        envvar="DATABASE_URL",
        help="SQLAlchemy URL of the database: sqlite:///FILE or postgresql://...",
    ),
]
MaxRejects = Annotated[
    int | None,
    typer.Option(
        "--max-rejects",
        min=0,
        metavar="N",
        help="A load (each file of a dump) with more than N rejected records "
        "fails and rolls back.",
    ),
]
FieldLimit = Annotated[
    int,
    typer.Option(
        "--field-limit",
        min=1,
        metavar="CHARS",
        help="The longest CSV field accepted, in characters (default "
        f"{FIELD_LIMIT:,}, 128 KiB of ASCII): a record with a longer field is "
        "rejected, the rest loads.",
    ),
]
ConnectTimeout = Annotated[
    float,
    typer.Option(
        "--connect-timeout",
        envvar=CONNECT_TIMEOUT_ENV,
        min=0.1,
        metavar="SECONDS",
        help="Give up on an FTP, HTTP(S) or PostgreSQL server that does not accept "
        "the connection (and, for FTP, the login) within SECONDS (PostgreSQL: "
        "whole seconds, at least 2).",
    ),
]
ReadTimeout = Annotated[
    float,
    typer.Option(
        "--read-timeout",
        envvar=READ_TIMEOUT_ENV,
        min=0.1,
        metavar="SECONDS",
        help=f"Give up on an FTP or HTTP(S) transfer that delivers less than "
        f"{MIN_PROGRESS:,} bytes in SECONDS; a transfer still moving is never cut, "
        "however long it takes.",
    ),
]
MaxDeletes = Annotated[
    float,
    typer.Option(
        "--max-deletes",
        min=0,
        metavar="PERCENT",
        help="A full load (each full file of a dump) that would mark more than "
        "PERCENT of the model's current records deleted loads nothing and fails: "
        "a guard against a truncated dump. --force lets it through too.",
    ),
]
Quiet = Annotated[
    bool, typer.Option("--quiet", "-q", help="Print nothing but errors (for scripts).")
]
QuietLoad = Annotated[
    bool,
    typer.Option(
        "--quiet",
        "-q",
        help="Print nothing but errors (for scripts): no summary, and rejected "
        "records are not listed (they are still stored in rejected_record and "
        "counted in load_run; --max-rejects makes too many an error).",
    ),
]


def choice(choices: Iterable[str]) -> Callable[[str], str]:
    """A parser that accepts one of `choices` and names them all when it refuses."""
    known = list(choices)

    def parse(value: str) -> str:
        if value not in known:
            raise typer.BadParameter(f"{value!r} is not one of {', '.join(known)}")
        return value

    return parse


def parse_instant(value: str) -> datetime:
    """An ISO 8601 timestamp with its UTC offset (a time without one is ambiguous)."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an ISO 8601 timestamp") from None
    if parsed.tzinfo is None:
        raise typer.BadParameter(f"{value!r} needs a UTC offset, e.g. +01:00 or Z")
    return parsed


def parse_encoding(value: str) -> str:
    """A text encoding Python knows (`latin-1`, `cp1252`, `utf-8`, ...)."""
    try:
        return codecs.lookup(value).name
    except LookupError:
        raise typer.BadParameter(
            f"{value!r} is not a text encoding Python knows (e.g. utf-8, latin-1, "
            "cp1252)"
        ) from None


Encoding = Annotated[
    str,
    typer.Option(
        "--encoding",
        parser=parse_encoding,
        metavar="NAME",
        help="The text encoding of the file(s): utf-8 (default), latin-1, cp1252, "
        "... A line (CSV, JSON Lines) that is not valid in it is a rejected record.",
    ),
]

AsOf = Annotated[
    datetime | None,
    typer.Option(
        "--as-of",
        parser=parse_instant,
        metavar="TIMESTAMP",
        help="The dump's effective time, ISO 8601 with an offset "
        "(2021-12-02T02:00:00+01:00). Default: now. Older than the newest dump "
        "loaded for the model: refused unless --force.",
    ),
]


def metavar(choices: Iterable[str]) -> str:
    """How a choice option shows its values in --help."""
    return "[" + "|".join(choices) + "]"


def fail(message: str, code: int = EXIT_FAILED) -> typer.Exit:
    """Print one error line; the caller raises the returned Exit."""
    typer.echo(f"scli: error: {redact(message)}", err=True)
    return typer.Exit(code)


@contextmanager
def clean_errors() -> Iterator[None]:
    """Turn the errors a user can cause into one line and a documented exit code."""
    try:
        yield
    except TooManyRejectsError as error:
        raise fail(str(error), EXIT_TOO_MANY_REJECTS) from None
    except LoadError as error:
        raise fail(str(error)) from None


def shown(url: str) -> str:
    """The URL without its password or secret parameters, for messages."""
    return redact(url)


def print_rejections(report: LoadReport, unit: str, of: str = "") -> None:
    """On stderr: how many records a load refused, and the first few with positions.

    Args:
        report: the load's report.
        unit: what a position counts (`line`, `index`).
        of: words after "record(s)", e.g. " of reviews.json".
    """
    count, listed = report.rejected, len(report.samples)
    where = "in" if count == 1 else "all in"
    typer.echo(
        f"{report.model}: {count:,} record{'' if count == 1 else 's'}{of} rejected, "
        f"not loaded ({where} rejected_record, load_id {report.run_id})"
        + (":" if listed == count else f"; the first {listed}:"),
        err=True,
    )
    for sample in report.samples:
        typer.echo(f"  {unit} {sample.position}: {sample.error}", err=True)


def engine_with_tables(database_url: str, timeouts: Timeouts | None = None) -> Engine:
    """An engine on a database `scli init-db` has set up; a SQLite file is never made.

    Raises:
        MissingDatabaseError: there is no SQLite file at the URL.
        NoTablesError: the database has none of the tool's tables.
    """
    engine = create_database_engine(database_url, create=False, timeouts=timeouts)
    readiness.require_tables(uow=SqlAlchemyUnitOfWork(engine, writes=False))
    return engine


def model_option(help_text: str) -> Any:
    """The `--model`/`-m` option of a command: one of the registry's models."""
    return typer.Option(
        "--model",
        "-m",
        parser=choice(DATASETS),
        metavar=metavar(DATASETS),
        help=help_text,
    )
