"""`scli report` and `scli query`: parse the options, call a service, print the result.

The commands are registered on the app in `cli.py`.
"""

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand

from strider_challenge.adapters.database import (
    DEFAULT_DATABASE_URL,
    create_database_engine,
)
from strider_challenge.domain.answers import (
    BUSINESS_TIME,
    DEFAULT_MONTH,
    DEFAULT_NATIONALITY,
    DEFAULT_OUTAGE_END,
    DEFAULT_OUTAGE_MOVIE,
    DEFAULT_OUTAGE_START,
    AnswerError,
    ParameterError,
    Report,
    ReportParameters,
    parse_month,
    parse_slug,
    parse_zone,
)
from strider_challenge.entrypoints.common import (
    DatabaseUrl,
    choice,
    clean_errors,
    fail,
    metavar,
)
from strider_challenge.entrypoints.formats import (
    FORMATS,
    json_value,
    records,
    render_csv,
    render_json,
    render_table,
)
from strider_challenge.entrypoints.html_report import render_page
from strider_challenge.service_layer import answers
from strider_challenge.service_layer.read_only import SqlAlchemyReadOnlyUnitOfWork

Format = Annotated[
    str,
    typer.Option(
        "--format",
        parser=choice(FORMATS),
        metavar=metavar(FORMATS),
        help="How to print: an aligned table, CSV, or JSON.",
    ),
]
#: `scli report` also draws its answers: one HTML page with the charts.
REPORT_FORMATS = (*FORMATS, "html")
ReportFormat = Annotated[
    str,
    typer.Option(
        "--format",
        parser=choice(REPORT_FORMATS),
        metavar=metavar(REPORT_FORMATS),
        help="How to print: an aligned table, CSV, JSON, or one self-contained "
        "HTML page with the answers and their charts (it loads nothing, runs no "
        "script: it opens offline).",
    ),
]
Output = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        help="Write the report to FILE (replaced if it exists); - or no --output "
        "prints it.",
        show_default=False,
    ),
]


def _checked(parse: Callable[[str], Any]) -> Callable[[str], str]:
    """An option parser that validates with `parse` and keeps the text."""

    def check(value: str) -> str:
        try:
            parse(value)
        except ParameterError as error:
            raise typer.BadParameter(str(error)) from None
        return value

    return check


@contextmanager
def _answer_errors() -> Iterator[None]:
    """Database and answer errors as one line and exit code 1."""
    with clean_errors():
        try:
            yield
        except AnswerError as error:
            raise fail(str(error)) from None


def report(
    output: ReportFormat = "table",
    file: Output = None,
    month: Annotated[
        str,
        typer.Option(
            parser=_checked(parse_month),
            metavar="YYYY-MM",
            help="The month asked about.",
        ),
    ] = DEFAULT_MONTH,
    zone: Annotated[
        str,
        typer.Option(
            "--timezone",
            parser=_checked(parse_zone),
            metavar="ZONE",
            help="Business time: a UTC offset, or an IANA zone like Europe/Paris. "
            "Every date and time below is read in it.",
        ),
    ] = BUSINESS_TIME,
    outage_movie: Annotated[
        str,
        typer.Option(metavar="TITLE", help="The movie whose streams the outage cut."),
    ] = DEFAULT_OUTAGE_MOVIE,
    outage_start: Annotated[
        str,
        typer.Option(
            metavar="'YYYY-MM-DD HH:MM'", help="When the outage began (included)."
        ),
    ] = DEFAULT_OUTAGE_START,
    outage_end: Annotated[
        str,
        typer.Option(
            metavar="'YYYY-MM-DD HH:MM'", help="When the outage ended (included)."
        ),
    ] = DEFAULT_OUTAGE_END,
    nationality: Annotated[
        str,
        typer.Option(
            parser=_checked(parse_slug),
            metavar="SLUG",
            help="The authors' nationality, as the vendor's slug.",
        ),
    ] = DEFAULT_NATIONALITY,
    database_url: DatabaseUrl = DEFAULT_DATABASE_URL,
) -> None:
    """Answer the business's six questions about a month of streams.

    Windows are in business time and compare instants. A stream counts for a window
    when it overlaps it: it began before the window ended and ended after the window
    began (the outage window includes both its ends). Exit codes: 0 answered (also
    on an empty database, whose answers are empty); 1 the database is missing,
    has no tables, or failed, or FILE cannot be written; 2 usage error.
    """
    try:
        parameters = ReportParameters.parse(
            month=month,
            zone=zone,
            outage_movie=outage_movie,
            outage_start=outage_start,
            outage_end=outage_end,
            nationality=nationality,
        )
    except ParameterError as error:
        raise typer.BadParameter(str(error)) from None
    with _answer_errors():
        uow = SqlAlchemyReadOnlyUnitOfWork(
            create_database_engine(database_url, create=False)
        )
        if output == "html":
            charted = answers.charted_report(parameters=parameters, uow=uow)
            result = charted.report
        else:
            result = answers.report(parameters=parameters, uow=uow)
    if result.empty:
        typer.echo(
            "scli: the database has no streams, so every answer is empty: load the "
            "dumps with `scli load`",
            err=True,
        )
    if output == "html":
        rendered = render_page(charted, questions(parameters))
    else:
        rendered = render_report(result, output)
    _write(rendered, file)


def _write(rendered: str, file: Path | None) -> None:
    """Print the report, or write it to `file` (`-` prints)."""
    if file is None or str(file) == "-":
        typer.echo(rendered)
        return
    try:
        file.write_text(rendered + "\n", encoding="utf-8")
    except OSError as error:
        raise fail(f"cannot write {file}: {error.strerror or error}") from None


def render_report(result: Report, output: str) -> str:
    """The report as a table of questions and answers, one CSV row, or one object."""
    values = result.answers.as_dict()
    if output == "json":
        return render_json({key: json_value(value) for key, value in values.items()})
    if output == "csv":
        return render_csv(list(values), [list(values.values())])
    parameters = result.parameters
    shown = {
        question: "-" if value is None else f"{value:,}"
        for question, value in zip(questions(parameters), values.values())
    }
    heading = (
        f"scli report: {parameters.month:%Y-%m}, business time "
        f"{parameters.zone_label}"
    )
    table = render_table(["question", "answer"], list(shown.items()), right={"answer"})
    return f"{heading}\n\n{table}"


def questions(parameters: ReportParameters) -> list[str]:
    """The six questions in words, with the parameters they were asked with."""

    def local(instant: Any, pattern: str = "%Y-%m-%d %H:%M") -> str:
        return str(instant.astimezone(parameters.zone).strftime(pattern))

    outage = parameters.outage_window()
    week = parameters.last_week_window()
    last_day = week.end - timedelta(days=1)
    return [
        "streamed movies based on a book (%)",
        f"users streaming {parameters.outage_movie} during the outage "
        f"({local(outage.start)} to {local(outage.end)})",
        f"movies based on books by {parameters.nationality} authors, streamed in "
        f"{parameters.month:%Y-%m}",
        "average stream duration (seconds)",
        "median stream size (GB)",
        f"users who watched half a movie or more in the last week "
        f"({local(week.start, '%Y-%m-%d')} to {local(last_day, '%Y-%m-%d')})",
    ]


class QueryCommand(TyperCommand):
    """`scli query`, whose SQL argument may begin with a `--` comment.

    A word that begins with `-` and holds white space cannot be an option: it is
    the SQL (`-- count streams`, a line end, `SELECT ...`), moved after a `--` so
    that it is parsed as the argument.
    """

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        """Parse the arguments, a leading-comment SQL text taken as the argument."""
        if "--" not in args:
            texts = [a for a in args if a.startswith("-") and _holds_space(a)]
            if texts:
                args = [a for a in args if a not in texts] + ["--", *texts]
        return super().parse_args(ctx, args)


def _holds_space(word: str) -> bool:
    return any(character.isspace() for character in word)


def query(
    sql: Annotated[
        str | None,
        typer.Argument(
            metavar="SQL",
            help="The SQL statement (or give --file).",
            show_default=False,
        ),
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file", "-f", help="Read the SQL from this file; - reads stdin."
        ),
    ] = None,
    output: Format = "table",
    database_url: DatabaseUrl = DEFAULT_DATABASE_URL,
) -> None:
    """Run one SQL statement, read-only, and print what it returns.

    The session is read-only in the database itself (a read-only transaction on
    PostgreSQL, PRAGMA query_only on SQLite): a statement that writes is refused.
    The text is run as exactly one statement (on PostgreSQL, a prepared
    statement): a text of several, such as "COMMIT; DELETE ...", is refused
    before any of it runs. SQL that begins with a -- comment is read as the SQL.

    Exit codes: 0 ran; 1 the database refused it or failed, or the file cannot be
    read; 2 usage error.
    """
    if (sql is None) == (file is None):
        raise typer.BadParameter("give the SQL as an argument or with --file (one)")
    text = str(sql) if file is None else _read(file)
    if not text.strip():
        raise typer.BadParameter("the SQL is empty")
    with _answer_errors():
        uow = SqlAlchemyReadOnlyUnitOfWork(
            create_database_engine(database_url, create=False)
        )
        result = answers.query(sql=text, uow=uow)
    if output == "json":
        typer.echo(render_json(records(result.columns, result.rows)))
    elif output == "csv":
        typer.echo(render_csv(result.columns, result.rows))
    elif not result.columns:
        typer.echo("(no result set)")
    else:
        count = len(result.rows)
        typer.echo(render_table(result.columns, result.rows))
        typer.echo(f"({count:,} row{'' if count == 1 else 's'})")


def _read(file: Path) -> str:
    """The SQL in a file, or on stdin for `-`."""
    if str(file) == "-":
        return sys.stdin.read()
    try:
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise fail(f"cannot read {file}: {reason}") from None
