"""The event-driven loader: micro-batches of broker messages, each one load."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from strider_challenge.adapters.collectors import MessageCollector
from strider_challenge.domain.datasets import INCREMENTAL, Dataset
from strider_challenge.service_layer import services
from strider_challenge.service_layer.ports import Broker
from strider_challenge.service_layer.services import LoadReport
from strider_challenge.service_layer.unit_of_work import AbstractUnitOfWork


@dataclass
class ConsumeReport:
    """What a consumer did before it stopped."""

    batches: int = 0
    messages: int = 0
    skipped: int = 0


def consume(
    *,
    dataset: Dataset[Any],
    broker: Broker,
    uow_factory: Callable[[], AbstractUnitOfWork],
    batch_size: int,
    max_wait: float,
    idle_exit: float | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    on_batch: Callable[[LoadReport], None] | None = None,
    monotonic: Callable[[], float] = time.monotonic,
) -> ConsumeReport:
    """Load the broker's messages into the dataset's table, batch by batch.

    A batch is up to `batch_size` messages or what `max_wait` seconds bring; it is
    one incremental load (its own transaction and ledger row), and its messages
    are acknowledged only once it has committed. A crash in between delivers them
    again: a batch already committed is then skipped by its digest, and a batch
    cut otherwise lands each record once through the natural-key merge.

    It stops when `should_stop` says so (after the batch in hand), or after
    `idle_exit` seconds without a message.

    Raises:
        LoadError: the broker or the database failed, or a batch could not be
            loaded; its messages are not acknowledged, so none is lost.
    """
    report = ConsumeReport()
    last_message = monotonic()
    while not should_stop():
        fetched = broker.fetch(max_messages=batch_size, max_wait=max_wait)
        # A message whose ack wait ran out while the batch was being fetched comes
        # twice: one record per sequence, or the merge would see a key twice.
        messages = list({message.sequence: message for message in fetched}.values())
        if not messages:
            if idle_exit is not None and monotonic() - last_message >= idle_exit:
                break
            continue
        loaded = services.load(
            dataset=dataset,
            collector=MessageCollector(broker.subject, messages),
            uow=uow_factory(),
            mode=INCREMENTAL,
            records_stand_alone=True,
        )
        broker.ack(fetched)
        last_message = monotonic()
        report.batches += 1
        report.messages += len(messages)
        report.skipped += loaded.skipped_as is not None
        if on_batch:
            on_batch(loaded)
    return report
