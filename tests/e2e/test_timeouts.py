"""A night neither hangs nor dies of a healthy slow transfer: real servers that stall.

Every server here is on 127.0.0.1 and misbehaves on purpose: one that accepts and
never answers, one whose listen queue is full, one that trickles, one that is
slow but keeps moving. The timeouts are a second or two, so the tests are quick.
"""

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result

from strider_challenge.adapters.database import (
    create_database_engine,
    postgres_connect_args,
)
from strider_challenge.adapters.timeouts import Timeouts
from tests.e2e.helpers import DATA_TABLES, failed_attempts, scli, snapshot
from tests.servers import (
    FTP_PASSWORD,
    FTP_USER,
    ftp_server,
    paced_http_server,
    silent_server,
    unanswered_port,
)

#: A small movies file: a few KiB, enough to take several paced chunks.
MOVIES = b"title,duration_mins,original_language,size_mb\n" + b"".join(
    f"Movie {i},{90 + i % 60},en,{700 + i}\n".encode() for i in range(160)
)
FAST = ("--connect-timeout", "1", "--read-timeout", "1")
#: A stalled load must give up well before the transfer could finish: at the
#: trickle's 10 bytes a second MOVIES takes about six minutes, and a silent server
#: forever. Generous, because a loaded CI machine once took 10.1 s for 1 s timeouts.
GIVEN_UP_WITHIN = 60


@pytest.fixture
def served(tmp_path: Path) -> Path:
    root = tmp_path / "served"
    root.mkdir()
    (root / "movies.csv").write_bytes(MOVIES)
    return root


def timed_load(database_url: str, url: str, *options: str) -> tuple[Result, float]:
    started = time.monotonic()
    result = scli(database_url, "load", "-m", "movie", "-f", url, *options)
    return result, time.monotonic() - started


def assert_failed(result: Result, message: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.stderr == f"scli: error: {message}\n"


def test_a_slow_http_transfer_that_keeps_moving_is_not_cut(ready: str) -> None:
    # 1 KiB every 0.3 s: the whole file takes longer than the read timeout, and
    # no total limit cuts it.
    with paced_http_server(MOVIES, 1024, 0.3) as port:
        result, seconds = timed_load(ready, f"http://127.0.0.1:{port}/m.csv", *FAST)

    assert result.exit_code == 0, result.output
    assert "inserted 160," in result.stdout
    assert seconds > 1.2


def test_an_http_server_that_trickles_is_given_up(ready: str) -> None:
    before = snapshot(ready, DATA_TABLES)
    with paced_http_server(MOVIES, 1, 0.1) as port:
        url = f"http://127.0.0.1:{port}/m.csv"
        result, seconds = timed_load(ready, url, *FAST)

    message = (
        f"cannot read {url}: less than 1,024 bytes in 1 s, given up (--read-timeout)"
    )
    assert_failed(result, message)
    assert seconds < GIVEN_UP_WITHIN
    assert snapshot(ready, DATA_TABLES) == before
    assert failed_attempts(ready) == [message]


def test_an_http_server_that_never_answers_is_given_up(ready: str) -> None:
    with silent_server() as port:
        url = f"http://127.0.0.1:{port}/m.csv"
        started = time.monotonic()
        result = scli(ready, "load", "-m", "movie", "-f", url, "--read-timeout", "1")
        seconds = time.monotonic() - started

    assert_failed(
        result,
        f"cannot read {url}: less than 1,024 bytes in 1 s, given up (--read-timeout)",
    )
    assert seconds < GIVEN_UP_WITHIN


def test_an_http_server_that_does_not_accept_is_a_connect_timeout(
    ready: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCLI_CONNECT_TIMEOUT", "1")
    with unanswered_port() as port:
        url = f"http://127.0.0.1:{port}/m.csv"
        started = time.monotonic()
        result = scli(ready, "load", "-m", "movie", "-f", url)
        seconds = time.monotonic() - started

    assert_failed(
        result, f"cannot read {url}: no connection within 1 s (--connect-timeout)"
    )
    assert seconds < GIVEN_UP_WITHIN


@pytest.fixture
def credentials() -> str:
    return f"{FTP_USER}:{FTP_PASSWORD}"


def test_a_slow_ftp_transfer_that_keeps_moving_is_not_cut(
    ready: str, served: Path, credentials: str
) -> None:
    with ftp_server(served, pace=(1024, 0.3)) as port:
        url = f"ftp://{credentials}@127.0.0.1:{port}/movies.csv"
        result, seconds = timed_load(ready, url, *FAST)

    assert result.exit_code == 0, result.output
    assert "inserted 160," in result.stdout
    assert seconds > 1.2


def test_an_ftp_server_that_trickles_is_given_up(
    ready: str, served: Path, credentials: str
) -> None:
    before = snapshot(ready, DATA_TABLES)
    with ftp_server(served, pace=(1, 0.1)) as port:
        url = f"ftp://{credentials}@127.0.0.1:{port}/movies.csv"
        result, seconds = timed_load(ready, url, *FAST)

    shown = url.replace(FTP_PASSWORD, "***")
    message = (
        f"cannot read {shown}: less than 1,024 bytes in 1 s, given up (--read-timeout)"
    )
    assert_failed(result, message)
    assert seconds < GIVEN_UP_WITHIN
    assert snapshot(ready, DATA_TABLES) == before
    assert failed_attempts(ready) == [message]


def test_an_ftp_server_that_never_answers_is_a_connect_timeout(ready: str) -> None:
    with silent_server() as port:
        url = f"ftp://u@127.0.0.1:{port}/movies.csv"
        result, seconds = timed_load(ready, url, *FAST)

    assert_failed(
        result, f"cannot read {url}: no connection within 1 s (--connect-timeout)"
    )
    assert seconds < GIVEN_UP_WITHIN


@pytest.fixture
def silent_postgres() -> Iterator[str]:
    """A PostgreSQL URL whose server accepts the connection and never answers."""
    with silent_server() as port:
        yield f"postgresql://postgres:pw@127.0.0.1:{port}/nightly"


def test_a_postgres_server_that_never_answers_is_a_connect_timeout(
    silent_postgres: str, served: Path
) -> None:
    started = time.monotonic()
    result = scli(
        silent_postgres,
        "load",
        "-m",
        "movie",
        "-f",
        str(served / "movies.csv"),
        "--connect-timeout",
        "2",
    )
    seconds = time.monotonic() - started

    assert result.exit_code == 1
    assert result.stderr.startswith("scli: error: database: connection to server")
    assert result.stderr.endswith("timeout expired\n")
    assert seconds < GIVEN_UP_WITHIN


def test_the_connect_timeout_variable_reaches_every_command(
    silent_postgres: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCLI_CONNECT_TIMEOUT", "2")
    started = time.monotonic()
    result = scli(silent_postgres, "runs")

    assert result.exit_code == 1
    assert result.stderr.endswith("timeout expired\n")
    assert time.monotonic() - started < 15


def test_a_timeout_variable_that_is_not_a_number_is_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SCLI_CONNECT_TIMEOUT", "soon")

    result = scli("postgresql://postgres@127.0.0.1/x", "runs")

    assert_failed(
        result, "SCLI_CONNECT_TIMEOUT='soon' is not a positive number of seconds"
    )


def test_postgres_connections_carry_the_timeout_and_keepalives(
    postgres_url: str,
) -> None:
    args = postgres_connect_args(Timeouts(connect=0.5))
    assert args["connect_timeout"] == 2  # libpq's shortest
    assert args["keepalives"] == 1

    engine = create_database_engine(postgres_url, timeouts=Timeouts(connect=7))
    try:
        with engine.connect() as connection:
            driver: Any = connection.connection.driver_connection
            dsn = driver.get_dsn_parameters()
    finally:
        engine.dispose()
    assert dsn["connect_timeout"] == "7"
    assert dsn["keepalives_idle"] == "30"
