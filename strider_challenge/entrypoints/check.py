"""`scli check`: parse the options, run the data-quality check, print the findings.

The command is registered on the app in `cli.py`.
"""

from dataclasses import asdict
from typing import Annotated

import typer

from strider_challenge.adapters.database import (
    DEFAULT_DATABASE_URL,
    create_database_engine,
)
from strider_challenge.domain.answers import AnswerError
from strider_challenge.domain.checks import DELETED, EXAMPLES, Finding, QualityReport
from strider_challenge.entrypoints.common import (
    EXIT_FAILED,
    DatabaseUrl,
    choice,
    clean_errors,
    fail,
    metavar,
)
from strider_challenge.entrypoints.formats import render_json, render_table
from strider_challenge.service_layer import answers
from strider_challenge.service_layer.read_only import SqlAlchemyReadOnlyUnitOfWork

#: How `scli check` prints its findings.
CHECK_FORMATS = ("table", "json")


def check(
    output: Annotated[
        str,
        typer.Option(
            "--format",
            parser=choice(CHECK_FORMATS),
            metavar=metavar(CHECK_FORMATS),
            help="table, or json: one object, a key per finding with count and "
            "examples.",
        ),
    ] = "table",
    strict: Annotated[
        bool,
        typer.Option(
            "--strict", help="Exit with 1 when any finding's count is not zero."
        ),
    ] = False,
    database_url: DatabaseUrl = DEFAULT_DATABASE_URL,
) -> None:
    """Report what is loaded but suspicious, without rejecting it.

    Streams whose movie is not in the catalog or whose user is not in user;
    books whose author is not in author; reviews whose movie or book is not in
    the catalog (links are case-insensitive, as in scli report); deleted records
    that live records still name. Each finding: a count and the first five
    examples, with how many live records name each. Read-only.

    Exit codes: 0 checked (findings or not); 1 with --strict a count is not
    zero, or the database failed or has no tables; 2 usage error.
    """
    with clean_errors():
        try:
            uow = SqlAlchemyReadOnlyUnitOfWork(
                create_database_engine(database_url, create=False)
            )
            found = answers.check(uow=uow)
        except AnswerError as error:
            raise fail(str(error)) from None
    typer.echo(render_check(found, output))
    if strict and not found.clean:
        raise typer.Exit(EXIT_FAILED)


def render_check(found: QualityReport, output: str) -> str:
    """The findings as one JSON object, or a table with a heading."""
    if output == "json":
        return render_json(
            {
                finding.name: {
                    "count": finding.count,
                    "examples": [asdict(example) for example in finding.examples],
                }
                for finding in found.findings
            }
        )
    flagged = sum(1 for finding in found.findings if finding.count)
    heading = (
        f"scli check: {flagged} of {len(found.findings)} checks found records"
        f" (the first {EXAMPLES} examples, with how many live records name each)"
    )
    rows = [
        (finding.name, finding.count, finding.sentence, _examples(finding))
        for finding in found.findings
    ]
    table = render_table(["finding", "count", "what", "examples"], rows)
    return f"{heading}\n\n{table}"


def _examples(finding: Finding) -> str:
    return ", ".join(
        (f"{e.table} " if finding.name == DELETED else "")
        + f"{e.key} ({e.referenced_by:,})"
        for e in finding.examples
    )
