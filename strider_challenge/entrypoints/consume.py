"""`scli consume`: load records as they arrive on a NATS JetStream subject."""

import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Annotated

import typer

from strider_challenge.adapters.database import DEFAULT_DATABASE_URL
from strider_challenge.adapters.nats_broker import STREAM_SUBJECTS, NatsBroker
from strider_challenge.domain.datasets import get_dataset
from strider_challenge.entrypoints.common import (
    DatabaseUrl,
    Quiet,
    clean_errors,
    engine_with_tables,
    model_option,
)
from strider_challenge.service_layer import consume as consuming
from strider_challenge.service_layer.services import LoadReport
from strider_challenge.service_layer.unit_of_work import SqlAlchemyUnitOfWork

#: The exit codes `scli consume` documents.
CONSUME_EXIT_CODES = (
    "Exit codes: 0 stopped by SIGTERM or SIGINT (after committing and acknowledging "
    "the batch in hand) or by --idle-exit; 1 the server or the database cannot be "
    "reached, or a batch failed (its messages are not acknowledged: they will be "
    "delivered again); 2 usage error."
)


def consume(
    model: Annotated[
        str,
        model_option("Which table the messages fill."),
    ],
    url: Annotated[
        str, typer.Option("--url", metavar="URL", help="The NATS server.")
    ] = "nats://127.0.0.1:4222",
    subject: Annotated[
        str,
        typer.Option(
            "--subject",
            metavar="SUBJECT",
            help="The subject to read: one JSON object per message, the model's "
            "raw fields (a CSV model's header names; strings are fine).",
        ),
    ] = "strider.stream",
    stream: Annotated[
        str,
        typer.Option(
            "--stream",
            metavar="NAME",
            help=f"The JetStream stream; created for the subjects {STREAM_SUBJECTS} "
            "if missing.",
        ),
    ] = "STRIDER",
    durable: Annotated[
        str,
        typer.Option(
            "--durable",
            metavar="NAME",
            help="The durable consumer: it remembers which messages were "
            "acknowledged, so a restart goes on where the last run stopped.",
        ),
    ] = "scli-stream",
    batch_size: Annotated[
        int,
        typer.Option(
            "--batch-size",
            min=1,
            metavar="N",
            help="A batch (one load, one load_run row) is at most N messages...",
        ),
    ] = 10_000,
    max_wait: Annotated[
        float,
        typer.Option(
            "--max-wait",
            min=0.1,
            metavar="SECONDS",
            help="...or what arrives in SECONDS, whichever comes first.",
        ),
    ] = 5.0,
    idle_exit: Annotated[
        float | None,
        typer.Option(
            "--idle-exit",
            min=0,
            metavar="SECONDS",
            help="Exit (code 0) after SECONDS without a message. Default: run until "
            "SIGTERM or SIGINT.",
        ),
    ] = None,
    ack_wait: Annotated[
        float,
        typer.Option(
            "--ack-wait",
            min=1,
            metavar="SECONDS",
            help="How long the server waits for a batch's acknowledgement before "
            "it delivers the messages again; longer than a batch takes to load. "
            "Set when the durable consumer is created.",
        ),
    ] = 60.0,
    database_url: DatabaseUrl = DEFAULT_DATABASE_URL,
    quiet: Quiet = False,
) -> None:
    """Load records as they arrive on a NATS JetStream subject, batch by batch.

    Each batch is an incremental load in its own transaction, recorded in load_run
    with the subject and its first and last stream sequence; rejected records are
    stored with their stream sequence. Messages are acknowledged only after their
    batch commits: after a crash they are delivered again, and each record still
    lands once. SIGTERM or SIGINT finishes the batch in hand, then exits.
    """
    dataset = get_dataset(model)
    with clean_errors():
        engine = engine_with_tables(database_url)
    with clean_errors(), _stop_on_signals() as stopping:
        broker = NatsBroker(
            url=url, subject=subject, stream=stream, durable=durable, ack_wait=ack_wait
        )
        try:
            report = consuming.consume(
                dataset=dataset,
                broker=broker,
                uow_factory=lambda: SqlAlchemyUnitOfWork(engine),
                batch_size=batch_size,
                max_wait=max_wait,
                idle_exit=idle_exit,
                should_stop=stopping,
                on_batch=_progress() if not quiet and sys.stdout.isatty() else None,
            )
        finally:
            broker.close()
    if not quiet:
        typer.echo(
            f"{dataset.name}: {report.messages:,} message(s) from {subject} in "
            f"{report.batches:,} batch(es), {report.skipped:,} skipped as already "
            "loaded"
        )


@contextmanager
def _stop_on_signals() -> Iterator[Callable[[], bool]]:
    """While inside: SIGTERM and SIGINT ask the loop to stop; yields the question."""
    asked: list[int] = []

    def ask(signum: int, _frame: FrameType | None) -> None:
        asked.append(signum)

    previous = {sig: signal.signal(sig, ask) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield lambda: bool(asked)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _progress() -> Callable[[LoadReport], None]:
    """A line per batch: its sequences, counts and speed."""

    def show(report: LoadReport) -> None:
        if report.skipped_as is not None:
            typer.echo(
                f"{report.source}: skipped, already loaded by load "
                f"#{report.skipped_as}"
            )
            return
        counts = report.counts
        typer.echo(
            f"{report.source}: load #{report.run_id}: read {report.rows_read:,}, "
            f"inserted {counts.inserted:,}, updated {counts.updated:,}, unchanged "
            f"{counts.unchanged:,}, rejected {report.rejected:,} "
            f"({report.rows_per_second:,.0f} rows/s)"
        )

    return show
