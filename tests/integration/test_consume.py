"""The consume loop against real SQLite and PostgreSQL, fed by an in-memory broker."""

import json
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Engine, text

from strider_challenge.adapters.collectors import CsvCollector, MessageCollector
from strider_challenge.domain.datasets import get_dataset
from strider_challenge.domain.errors import OutOfOrderError
from strider_challenge.domain.messages import Message
from strider_challenge.service_layer import services
from strider_challenge.service_layer.consume import consume
from strider_challenge.service_layer.ports import Broker
from strider_challenge.service_layer.services import LoadReport
from strider_challenge.service_layer.unit_of_work import SqlAlchemyUnitOfWork

SUBJECT = "strider.stream"
STREAM = get_dataset("stream")


def stream(number: int, **changes: Any) -> dict[str, Any]:
    """A stream record as a CSV row gives it: every field a string."""
    record = {
        "movie_title": "Unforgiven",
        "user_email": f"user{number}@example.com",
        "size_mb": "12.5",
        "start_at": f"2021-12-25T08:{number // 60 % 60:02d}:{number % 60:02d}+0100",
        "end_at": "2021-12-25T23:00:00+0100",
    }
    return record | changes


def typed(number: int, **changes: Any) -> dict[str, Any]:
    """The same record with its number as a JSON number."""
    return stream(number, size_mb=12.5) | changes


class LogBroker:
    """A broker's log in memory: fetch delivers the unacknowledged in order.

    A fetch hands out what no earlier fetch did, as a broker does until its
    ack wait runs out; `redeliver` plays that timeout (or a restart).
    """

    def __init__(self, payloads: Sequence[bytes], subject: str = SUBJECT) -> None:
        self.log = [Message(i + 1, subject, data) for i, data in enumerate(payloads)]
        self.acked: set[int] = set()
        self.delivered: set[int] = set()
        self.fetches = 0

    @property
    def subject(self) -> str:
        return SUBJECT

    def fetch(self, *, max_messages: int, max_wait: float) -> list[Message]:
        self.fetches += 1
        due = [m for m in self.log if m.sequence not in self.acked | self.delivered]
        batch = due[:max_messages]
        self.delivered.update(m.sequence for m in batch)
        return batch

    def ack(self, messages: Sequence[Message]) -> None:
        self.acked.update(m.sequence for m in messages)

    def close(self) -> None:
        self.delivered.clear()

    def redeliver(self) -> None:
        self.delivered.clear()


def payloads(records: list[dict[str, Any]]) -> list[bytes]:
    return [json.dumps(record).encode() for record in records]


@pytest.fixture
def db(engine: Engine) -> Engine:
    services.init_db(uow=SqlAlchemyUnitOfWork(engine))
    return engine


def run(db: Engine, broker: Broker, batch_size: int = 3, **options: Any) -> list[Any]:
    reports: list[LoadReport] = []
    consume(
        dataset=STREAM,
        broker=broker,
        uow_factory=lambda: SqlAlchemyUnitOfWork(db),
        batch_size=batch_size,
        max_wait=0.1,
        idle_exit=options.pop("idle_exit", 0),
        on_batch=reports.append,
        **options,
    )
    return reports


def rows(db: Engine, sql: str) -> list[tuple[Any, ...]]:
    with db.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql))]


def test_each_batch_is_a_load_named_by_its_sequences_and_acked(db: Engine) -> None:
    broker = LogBroker(payloads([stream(n) for n in range(7)]))

    reports = run(db, broker)

    assert [r.source for r in reports] == [
        "strider.stream sequences 1-3",
        "strider.stream sequences 4-6",
        "strider.stream sequences 7-7",
    ]
    assert broker.acked == set(range(1, 8))
    assert rows(db, "SELECT count(*) FROM stream") == [(7,)]
    assert rows(db, "SELECT source, mode, rows_read, inserted FROM load_run") == [
        ("strider.stream sequences 1-3", "incremental", 3, 3),
        ("strider.stream sequences 4-6", "incremental", 3, 3),
        ("strider.stream sequences 7-7", "incremental", 1, 1),
    ]


def test_rejected_messages_are_stored_with_their_stream_sequence(db: Engine) -> None:
    messages = [
        json.dumps(stream(1)).encode(),
        b"not json",
        json.dumps(stream(3, size_mb="-1")).encode(),
        b"[1, 2]",
        json.dumps({"movie_title": "no other field"}).encode(),
        json.dumps(stream(6), indent=1).encode(),  # lines of its own: still a record
    ]
    reports = run(db, LogBroker(messages), batch_size=10)

    assert reports[0].rejected == 4
    assert rows(db, "SELECT position FROM rejected_record ORDER BY position") == [
        (2,),
        (3,),
        (4,),
        (5,),
    ]
    assert rows(db, "SELECT user_email FROM stream ORDER BY user_email") == [
        ("user1@example.com",),
        ("user6@example.com",),
    ]


def test_typed_messages_go_column_by_column_and_keep_their_sequences(
    db: Engine,
) -> None:
    messages = [typed(1), typed(2, size_mb=-3.0), typed(3, size_mb="x"), typed(4)]
    broker = LogBroker([b"{}"] * 10 + payloads(messages))
    broker.acked.update(range(1, 11))  # the log's head was consumed before

    reports = run(db, broker, batch_size=10)

    assert reports[0].validation.fast == 2
    assert rows(db, "SELECT position FROM rejected_record ORDER BY position") == [
        (12,),
        (13,),
    ]


def test_a_batch_with_no_valid_message_is_stored_as_rejected_not_refused(
    db: Engine,
) -> None:
    broker = LogBroker([b"{}", b"null"])

    reports = run(db, broker)

    assert reports[0].rejected == 2
    assert broker.acked == {1, 2}
    assert rows(db, "SELECT rows_read, rejected FROM load_run") == [(2, 2)]


def test_a_batch_delivered_again_after_its_commit_is_skipped(db: Engine) -> None:
    broker = LogBroker(payloads([stream(n) for n in range(4)]))
    committed = MessageCollector(SUBJECT, broker.log[:3])
    services.load(
        dataset=STREAM, collector=committed, uow=SqlAlchemyUnitOfWork(db)
    )  # the crash came after this commit, before the ack

    reports = run(db, broker)

    assert [r.skipped_as for r in reports] == [1, None]
    assert broker.acked == {1, 2, 3, 4}
    assert rows(db, "SELECT status, inserted FROM load_run ORDER BY id") == [
        ("succeeded", 3),
        ("skipped", 0),
        ("succeeded", 1),
    ]


def test_a_batch_cut_otherwise_on_redelivery_lands_each_record_once(
    db: Engine,
) -> None:
    broker = LogBroker(payloads([stream(n) for n in range(6)]))
    services.load(
        dataset=STREAM,
        collector=MessageCollector(SUBJECT, broker.log[:2]),
        uow=SqlAlchemyUnitOfWork(db),
    )

    reports = run(db, broker, batch_size=4)

    assert [(r.counts.inserted, r.counts.unchanged) for r in reports] == [
        (2, 2),
        (2, 0),
    ]
    assert rows(db, "SELECT count(*) FROM stream") == [(6,)]
    assert rows(db, "SELECT sum(inserted) FROM load_run") == [(6,)]


def test_a_failed_batch_is_not_acknowledged(db: Engine, tmp_path: Any) -> None:
    later = datetime.now(timezone.utc) + timedelta(days=1)
    empty = tmp_path / "streams.csv"
    empty.write_text(",".join(stream(0)) + "\n")
    services.load(
        dataset=STREAM,
        collector=CsvCollector(empty),
        uow=SqlAlchemyUnitOfWork(db),
        as_of=later,
    )
    broker = LogBroker(payloads([stream(1)]))

    with pytest.raises(OutOfOrderError):
        run(db, broker)

    assert broker.acked == set()
    assert rows(db, "SELECT count(*) FROM stream") == [(0,)]


def test_it_waits_while_idle_and_stops_when_asked(db: Engine) -> None:
    broker = LogBroker(payloads([stream(1)]))
    clock = iter([0.0, 0.5, 1.0, 2.0, 3.0])
    asked = iter([False, False, False, True])

    reports = run(
        db,
        broker,
        idle_exit=None,
        should_stop=lambda: next(asked),
        monotonic=lambda: next(clock),
    )

    assert len(reports) == 1
    assert broker.fetches == 3


def test_idle_exit_counts_from_the_last_message(db: Engine) -> None:
    broker = LogBroker(payloads([stream(1)]))
    clock = iter([0.0, 10.0, 10.5, 12.0])

    run(db, broker, idle_exit=2, monotonic=lambda: next(clock))

    assert broker.fetches == 3


class StutteringBroker(LogBroker):
    """Delivers the first message of each fetch twice, as an expired ack wait does."""

    def fetch(self, *, max_messages: int, max_wait: float) -> list[Message]:
        batch = super().fetch(max_messages=max_messages, max_wait=max_wait)
        self.deliveries = batch[:1] + batch
        return self.deliveries


def test_a_message_delivered_twice_in_one_batch_is_one_record(db: Engine) -> None:
    broker = StutteringBroker(payloads([stream(n) for n in range(3)]))

    reports = run(db, broker)

    assert [(r.rows_read, r.counts.inserted) for r in reports] == [(3, 3)]
    assert rows(db, "SELECT count(*) FROM stream") == [(3,)]
    assert broker.acked == {1, 2, 3}


def test_an_empty_message_among_typed_ones_sends_the_batch_the_row_way(
    db: Engine,
) -> None:
    broker = LogBroker([json.dumps(typed(1)).encode(), b"", b"\xff"])

    reports = run(db, broker)

    assert (reports[0].validation.fast, reports[0].rejected) == (0, 2)
    assert rows(db, "SELECT position FROM rejected_record ORDER BY position") == [
        (2,),
        (3,),
    ]
