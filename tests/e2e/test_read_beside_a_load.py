"""On SQLite, the read-only commands read beside a running load; only writers queue."""

import sqlite3
import time
from pathlib import Path

from tests.e2e.helpers import scli


def test_read_only_commands_do_not_wait_for_a_load_holding_the_write_lock(
    sqlite_url: str, tmp_path: Path
) -> None:
    assert scli(sqlite_url, "init-db").exit_code == 0
    writer = sqlite3.connect(
        sqlite_url.removeprefix("sqlite:///"), isolation_level=None
    )
    writer.execute("BEGIN IMMEDIATE")  # what a running load holds until it commits
    writer.execute("CREATE TABLE pending_work (x)")
    try:
        started = time.monotonic()
        runs = scli(sqlite_url, "runs")
        check = scli(sqlite_url, "init-db", "--check")
        report = scli(sqlite_url, "report")
        query = scli(sqlite_url, "query", "SELECT count(*) AS n FROM movie")
        seconds = time.monotonic() - started
    finally:
        writer.rollback()
        writer.close()

    assert runs.exit_code == 0, runs.output
    assert runs.stdout == "no loads recorded yet\n"  # the load has not committed
    assert check.exit_code == 0, check.output
    assert check.stdout.startswith("up to date")
    assert report.exit_code == 0, report.output
    assert query.exit_code == 0, query.output
    assert seconds < 20  # busy_timeout is 30 s: no command waited for the lock
