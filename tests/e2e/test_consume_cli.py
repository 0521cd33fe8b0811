"""`scli consume` against a real nats-server with JetStream."""

import csv
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner, Result

from strider_challenge.adapters.database import normalise_url
from strider_challenge.domain.results import MergeCounts
from strider_challenge.entrypoints.cli import app
from strider_challenge.entrypoints.consume import _progress
from strider_challenge.generator import write_streams
from strider_challenge.service_layer.services import LoadReport
from tests.broker import as_messages, nats_server, publish
from tests.e2e.helpers import scli
from tests.e2e.test_subprocess import SCLI
from tests.servers import closed_port

RECORDS = 100_000


@pytest.fixture
def nats_url(tmp_path: Path) -> Iterator[str]:
    with nats_server(tmp_path / "jetstream") as url:
        yield url


@pytest.fixture
def db(database_url: str) -> str:
    scli(database_url, "init-db")
    return database_url


def consume(database_url: str, url: str, *args: str) -> Result:
    return CliRunner().invoke(
        app,
        ["consume", "-m", "stream", "--url", url, "--max-wait", "0.5", *args],
        env={"DATABASE_URL": database_url},
    )


def query(database_url: str, sql: str) -> list[tuple[int, ...]]:
    engine = create_engine(normalise_url(database_url))
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql))]
    finally:
        engine.dispose()


def streams(count: int, tmp_path: Path) -> list[dict[str, str]]:
    """`count` generated stream records, as the rows of their CSV."""
    path = tmp_path / "streams.csv"
    write_streams(
        path,
        count=count,
        movies=[f"Movie {i}" for i in range(100)],
        emails=[f"user{i}@example.com" for i in range(5000)],
    )
    with path.open(newline="", encoding="utf-8") as rows:
        return list(csv.DictReader(rows))


def test_an_unreachable_server_is_one_line_and_exit_1(db: str) -> None:
    url = f"nats://127.0.0.1:{closed_port()}"
    result = consume(db, url, "--idle-exit", "0")

    assert result.exit_code == 1
    assert result.output == (
        f"scli: error: NATS at {url}: no server answers (is nats-server running, "
        "with -js?)\n"
    )


def test_a_stream_the_server_refuses_is_one_line_and_exit_1(
    db: str, nats_url: str
) -> None:
    publish(nats_url, [])  # STRIDER holds strider.>: a second stream cannot
    result = consume(db, nats_url, "--stream", "OTHER", "--idle-exit", "0")

    assert result.exit_code == 1
    assert result.output.startswith(f"scli: error: NATS at {nats_url}: ")
    assert "overlap" in result.output
    assert len(result.output.splitlines()) == 1


def test_it_creates_the_stream_loads_and_exits_when_idle(
    db: str, nats_url: str, tmp_path: Path
) -> None:
    first = consume(db, nats_url, "--idle-exit", "0")
    published = publish(nats_url, as_messages(streams(25, tmp_path)))

    result = consume(db, nats_url, "--idle-exit", "1", "--batch-size", "10")

    assert first.exit_code == 0, first.output
    assert result.exit_code == 0, result.output
    assert result.output == (
        "stream: 25 message(s) from strider.stream in 3 batch(es), 0 skipped as "
        "already loaded\n"
    )
    assert query(db, "SELECT count(*) FROM stream") == [(published,)]
    again = consume(db, nats_url, "--idle-exit", "0", "--quiet")
    assert (again.exit_code, again.output) == (0, "")


def test_sigterm_finishes_the_batch_and_exits_0(
    db: str, nats_url: str, tmp_path: Path
) -> None:
    publish(nats_url, as_messages(streams(5, tmp_path)))

    def terminate_once_loading() -> None:
        """SIGTERM once a batch is in (by then the consumer handles the signal)."""
        while query(db, "SELECT count(*) FROM load_run") == [(0,)]:
            time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGTERM)

    terminator = threading.Thread(target=terminate_once_loading)
    terminator.start()
    result = consume(db, nats_url)
    terminator.join()

    assert result.exit_code == 0, result.output
    assert query(db, "SELECT count(*), sum(rows_read) FROM load_run") == [(1, 5)]
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


def test_a_terminal_gets_a_line_per_batch(capsys: pytest.CaptureFixture[str]) -> None:
    show = _progress()
    source = "strider.stream sequences 1-3"
    show(LoadReport(model="stream", source=source, run_id=4, counts=MergeCounts()))
    show(LoadReport(model="stream", source=source, skipped_as=4))

    assert capsys.readouterr().out.splitlines() == [
        f"{source}: load #4: read 0, inserted 0, updated 0, unchanged 0, rejected 0 "
        "(0 rows/s)",
        f"{source}: skipped, already loaded by load #4",
    ]


@pytest.mark.slow
def test_sigkill_midway_loses_nothing_and_doubles_nothing(
    db: str, nats_url: str, tmp_path: Path
) -> None:
    assert publish(nats_url, as_messages(streams(RECORDS, tmp_path))) == RECORDS
    command = [
        str(SCLI),
        *("consume", "-m", "stream", "--url", nats_url, "--ack-wait", "3"),
        *("--batch-size", "10000", "--max-wait", "1"),
    ]
    environment = {"DATABASE_URL": db, "PATH": "/usr/bin:/bin"}
    consumer = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while query(db, "SELECT count(*) FROM load_run") < [(2,)]:
        assert consumer.poll() is None and time.monotonic() < deadline
        time.sleep(0.1)
    consumer.send_signal(signal.SIGKILL)
    assert consumer.wait(timeout=30) == -signal.SIGKILL
    assert query(db, "SELECT count(*) FROM stream") < [(RECORDS,)]

    restart = subprocess.run(
        [*command, "--idle-exit", "5"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert restart.returncode == 0, restart.stderr
    keys = "count(DISTINCT movie_title || user_email || start_at)"
    assert query(db, f"SELECT count(*), {keys} FROM stream") == [(RECORDS, RECORDS)]
    ((loads, read, inserted, updated, unchanged, other),) = query(
        db,
        "SELECT count(*), sum(rows_read), sum(inserted), sum(updated), "
        "sum(unchanged), sum(rejected + duplicates + deleted) FROM load_run "
        "WHERE status = 'succeeded'",
    )
    assert (inserted, updated, other) == (RECORDS, 0, 0)
    assert read == inserted + unchanged
    assert loads >= RECORDS // 10_000
