"""`scli load-dump`, and the source `scli load` reads from --config and --collector."""

from collections import Counter
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from strider_challenge.adapters.collectors import (
    COLLECTORS,
    EXTENSIONS,
    FIELD_LIMIT,
    DumpFolder,
    FileCollector,
    collector_for,
    infer_collector,
)
from strider_challenge.adapters.database import DEFAULT_DATABASE_URL
from strider_challenge.adapters.redaction import redact
from strider_challenge.adapters.sources import (
    GZIP_SUFFIX,
    Location,
    UnsupportedLocationError,
    parse_location,
)
from strider_challenge.adapters.timeouts import DEFAULT_CONNECT, DEFAULT_READ, Timeouts
from strider_challenge.domain.deletions import DEFAULT_MAX_DELETES
from strider_challenge.entrypoints.common import (
    EXIT_FAILED,
    EXIT_USAGE,
    AsOf,
    ConnectTimeout,
    DatabaseUrl,
    Encoding,
    FieldLimit,
    MaxDeletes,
    MaxRejects,
    QuietLoad,
    ReadTimeout,
    clean_errors,
    engine_with_tables,
    fail,
    print_rejections,
)
from strider_challenge.service_layer import dumps
from strider_challenge.service_layer.unit_of_work import SqlAlchemyUnitOfWork

#: Where a dump folder may be, for the help text.
FOLDERS = "a path, or a file://, ftp://user@host/..., http(s):// or s3://bucket/ URL"

#: The exit codes `scli load-dump` documents.
LOAD_DUMP_EXIT_CODES = (
    "Exit codes: 0 every file present was loaded or skipped as already loaded "
    "(absent files are reported); 1 a file failed (the others were still loaded, "
    "each in its own transaction), the folder is unreachable or has none of the "
    "files, or with --strict a file is absent (nothing loaded); 2 usage error."
)

COUNTS = ("read", "inserted", "updated", "unchanged", "rejected", "duplicates")


def source_for(
    config: str,
    collector: str | None,
    encoding: str = "utf-8",
    *,
    field_limit: int = FIELD_LIMIT,
    timeouts: Timeouts | None = None,
) -> FileCollector:
    """The collector `scli load` reads: --collector if given, else by the name.

    A location or name the tool cannot read is a usage error (exit code 2).
    """
    try:
        where = parse_location(config, timeouts=timeouts)
    except UnsupportedLocationError as error:
        raise fail(str(error), EXIT_USAGE) from None
    name = collector or infer_collector(where.name)
    if name is None:
        raise fail(_no_collector(where), EXIT_USAGE)
    return collector_for(where, name, encoding=encoding, field_limit=field_limit)


def _no_collector(where: Location) -> str:
    """Why the collector cannot be inferred, and the option that names it."""
    options = f"{', '.join(list(COLLECTORS)[:-1])} or {list(COLLECTORS)[-1]}"
    if not where.name:
        return (
            f"cannot tell the format of {where.shown}: it has no file name; use "
            f"--collector {options}"
        )
    return (
        f"cannot tell the format of {where.shown} from its name: known endings are "
        f"{', '.join(EXTENSIONS)}, each optionally {GZIP_SUFFIX}; use --collector "
        f"{options}"
    )


def load_dump(
    location: Annotated[
        str,
        typer.Argument(
            metavar="LOCATION",
            help=f"The dump's folder: {FOLDERS}.",
            show_default=False,
        ),
    ],
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Load nothing if a file is absent, and stop at the first file that "
            "fails.",
        ),
    ] = False,
    encoding: Encoding = "utf-8",
    as_of: AsOf = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Load even the files whose bytes were already loaded; load a file "
            "older than its model's newest dump as a correction at that dump's "
            "time; load an empty full dump (every record is marked deleted), or "
            "one that marks more than --max-deletes percent deleted.",
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
    """Load a whole dump: its six files in order, each as its own audited load.

    The files are internal/movies.csv, internal/users.csv, internal/streams.csv,
    vendor/authors.json, vendor/books.json and vendor/reviews.json, each possibly
    gzipped (.gz). Each load is one transaction recorded in the load_run table, and
    skipped if these bytes were already loaded. Absent files are reported, not
    fatal (unless --strict); a file that fails is rolled back and reported, and
    the others are still loaded. Prints one summary table.
    """
    limits = Timeouts(connect=connect_timeout, read=read_timeout)
    with clean_errors():
        try:
            folder = DumpFolder(
                location, encoding=encoding, field_limit=field_limit, timeouts=limits
            )
        except UnsupportedLocationError as error:
            raise fail(str(error), EXIT_USAGE) from None
        engine = engine_with_tables(database_url, limits)
        report = dumps.load_dump(
            dump=folder,
            uow=SqlAlchemyUnitOfWork(engine),
            as_of=as_of,
            force=force,
            strict=strict,
            max_rejects=max_rejects,
            max_deletes=max_deletes,
        )
    if not quiet:
        _print_table(report)
        for result in report.files:
            _print_rejections(result)
    for result in report.failed:
        typer.echo(redact(f"scli: error: {result.model}: {result.error}"), err=True)
    if report.failed:
        raise typer.Exit(EXIT_FAILED)


def _print_table(report: dumps.DumpReport) -> None:
    typer.echo(f"dump {report.source}")
    table = Table(box=None)
    for column in ("model", "file", "status", "load", *COUNTS):
        table.add_column(column, justify="right" if column in COUNTS else "left")
    for result in report.files:
        table.add_row(result.model, result.file, result.status, *_cells(result))
    Console(width=200).print(table)
    tally = Counter(result.status for result in report.files)
    typer.echo(", ".join(f"{count} {status}" for status, count in tally.items()))


def _cells(result: dumps.DumpFileResult) -> list[str]:
    loaded = result.report
    if loaded is None:
        return [""] * (1 + len(COUNTS))
    if loaded.skipped_as is not None:
        return [f"#{loaded.skipped_as}"] + [""] * len(COUNTS)
    counts = loaded.counts
    numbers = (
        loaded.rows_read,
        counts.inserted,
        counts.updated,
        counts.unchanged,
        loaded.rejected,
        counts.duplicates,
    )
    return [f"#{loaded.run_id}", *(f"{number:,}" for number in numbers)]


def _print_rejections(result: dumps.DumpFileResult) -> None:
    loaded = result.report
    if loaded is None or result.status != dumps.LOADED or not loaded.rejected:
        return
    unit = COLLECTORS[infer_collector(result.file) or "json"].position_unit
    print_rejections(loaded, unit, of=f" of {result.file}")
